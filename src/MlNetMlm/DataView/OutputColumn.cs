using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.DataView;

/// <summary>
/// One column that a <see cref="RowMappingTransformer"/> adds: its name and type, the input columns it
/// reads, and how to make its getter over an input row. The getter must compute lazily, when called.
/// </summary>
internal sealed class OutputColumn
{
    public OutputColumn(string name, DataViewType type, IReadOnlyList<DataViewSchema.Column> inputs, Func<DataViewRow, Delegate> makeGetter,
        DataViewSchema.Annotations? annotations = null)
    {
        Name = name;
        Type = type;
        Inputs = inputs;
        MakeGetter = makeGetter;
        Annotations = annotations;
    }

    public string Name { get; }

    public DataViewType Type { get; }

    /// <summary>The column's ML.NET annotations (e.g. the tokenizer's ids on a token-id column), or null.</summary>
    public DataViewSchema.Annotations? Annotations { get; }

    /// <summary>The input columns this column is computed from (they are made active when it is).</summary>
    public IReadOnlyList<DataViewSchema.Column> Inputs { get; }

    /// <summary>Makes a <c>ValueGetter&lt;T&gt;</c> of <see cref="Type"/>'s raw type over an input row.</summary>
    public Func<DataViewRow, Delegate> MakeGetter { get; }

    public static OutputColumn Create<T>(string name, DataViewType type, IReadOnlyList<DataViewSchema.Column> inputs, Func<DataViewRow, ValueGetter<T>> makeGetter,
        DataViewSchema.Annotations? annotations = null) =>
        new(name, type, inputs, row => makeGetter(row), annotations);
}
