using Microsoft.ML;

namespace MlNetMlm.DataView;

/// <summary>
/// The output schema of a row-to-row mapping over one input schema: every input column, followed by
/// the added columns (an added column with an existing name hides the older one, as in ML.NET).
/// </summary>
internal sealed class ColumnMapping
{
    public ColumnMapping(DataViewSchema inputSchema, IReadOnlyList<OutputColumn> added)
    {
        InputSchema = inputSchema;
        Added = added;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        foreach (var column in added) builder.AddColumn(column.Name, column.Type, column.Annotations);
        OutputSchema = builder.ToSchema();
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public IReadOnlyList<OutputColumn> Added { get; }

    /// <summary>The added column behind an output column index, or null for a passed-through input column.</summary>
    public OutputColumn? AddedAt(int outputIndex) => outputIndex >= InputSchema.Count ? Added[outputIndex - InputSchema.Count] : null;

    /// <summary>The input columns needed to produce the given output columns.</summary>
    public IEnumerable<DataViewSchema.Column> Dependencies(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var needed = new SortedDictionary<int, DataViewSchema.Column>();
        foreach (var column in outputColumns)
        {
            if (AddedAt(column.Index) is { } added)
                foreach (var input in added.Inputs) needed[input.Index] = input;
            else
                needed[column.Index] = InputSchema[column.Index];
        }
        return needed.Values;
    }
}
