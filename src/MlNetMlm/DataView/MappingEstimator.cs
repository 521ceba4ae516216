using Microsoft.ML;
using MlNetMlm.MLNetInternals;

namespace MlNetMlm.DataView;

/// <summary>
/// An estimator whose transformer needs no training: <see cref="Fit"/> checks the input schema and
/// returns the transformer made from the options (and, for some, the input columns' annotations).
/// </summary>
public abstract class MappingEstimator<TTransformer> : IEstimator<TTransformer>
    where TTransformer : class, ITransformer
{
    private protected MappingEstimator() { }

    /// <summary>The transformer these options describe.</summary>
    private protected abstract TTransformer CreateTransformer();

    /// <summary>The transformer for this input schema; by default the one the options alone describe.</summary>
    private protected virtual TTransformer CreateTransformer(DataViewSchema inputSchema) => CreateTransformer();

    /// <inheritdoc/>
    public TTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var transformer = CreateTransformer(input.Schema);
        transformer.GetOutputSchema(input.Schema); // fails early, naming any missing column
        return transformer;
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        SchemaShapes.Map(inputSchema, OutputSchema);

    /// <summary>The output schema for an input schema; by default the transformer's own answer.</summary>
    private protected virtual DataViewSchema OutputSchema(DataViewSchema inputSchema) => CreateTransformer().GetOutputSchema(inputSchema);
}
