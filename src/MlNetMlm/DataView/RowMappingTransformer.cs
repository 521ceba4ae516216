using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.DataView;

/// <summary>
/// Base of MlNetMlm's row-to-row transformers (one output row per input row, so they work in a
/// <see cref="PredictionEngine{TSrc, TDst}"/>). A subclass says which columns it adds for an input
/// schema — checking the input and naming any missing column — and how to save itself.
/// </summary>
public abstract class RowMappingTransformer : ITransformer
{
    private protected RowMappingTransformer() { }

    /// <summary>Checks <paramref name="inputSchema"/> and describes the added columns.</summary>
    private protected abstract IReadOnlyList<OutputColumn> AddedColumns(DataViewSchema inputSchema);

    /// <summary>Writes the transformer's state into ML.NET's model zip.</summary>
    private protected abstract void SaveModel(ModelSaveContext ctx);

    private ColumnMapping Map(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new ColumnMapping(inputSchema, AddedColumns(inputSchema));
    }

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Map(inputSchema).OutputSchema;

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new Mapper(Map(inputSchema));

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new MappedDataView(input, Map(input.Schema));
    }

    void ICanSaveModel.Save(ModelSaveContext ctx) => SaveModel(ctx);

    private sealed class Mapper : IRowToRowMapper
    {
        private readonly ColumnMapping _mapping;

        public Mapper(ColumnMapping mapping) => _mapping = mapping;

        public DataViewSchema InputSchema => _mapping.InputSchema;

        public DataViewSchema OutputSchema => _mapping.OutputSchema;

        public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
            _mapping.Dependencies(dependingColumns);

        public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
            new MappedRow(input, _mapping, activeColumns);
    }
}
