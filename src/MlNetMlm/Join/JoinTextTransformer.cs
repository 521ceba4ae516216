using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetMlm.DataView;
using MlNetMlm.MLNetInternals;

namespace MlNetMlm.Join;

/// <summary>Joins each row's text vector into one string with a separator (a scalar text column passes through unchanged).</summary>
public sealed class JoinTextTransformer : RowMappingTransformer
{
    internal const string LoaderSignature = "MlNetMlmJoinText";
    internal static readonly ComponentFormat Format = new("MLMJOINT", LoaderSignature, 0x00010001, typeof(JoinTextTransformer));

    internal JoinTextTransformer(JoinTextOptions options)
    {
        if (string.IsNullOrEmpty(options.InputColumnName))
            throw new ArgumentException("JoinText: InputColumnName is required.", nameof(options));
        InputColumnName = options.InputColumnName;
        OutputColumnName = string.IsNullOrEmpty(options.OutputColumnName) ? options.InputColumnName : options.OutputColumnName;
        Separator = options.Separator ?? throw new ArgumentNullException(nameof(options), "JoinText: Separator must not be null.");
    }

    /// <summary>The joined column.</summary>
    public string InputColumnName { get; }

    /// <summary>The text column written.</summary>
    public string OutputColumnName { get; }

    /// <summary>The separator put between items.</summary>
    public string Separator { get; }

    private protected override IReadOnlyList<OutputColumn> AddedColumns(DataViewSchema inputSchema)
    {
        var input = SchemaChecks.Require(inputSchema, InputColumnName, "JoinText");
        if (input.Type is TextDataViewType)
            return [OutputColumn.Create<ReadOnlyMemory<char>>(OutputColumnName, TextDataViewType.Instance, [input], row => row.GetGetter<ReadOnlyMemory<char>>(input))];
        if (input.Type is not VectorDataViewType { ItemType: TextDataViewType })
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"JoinText: column '{InputColumnName}' must hold a vector of text, but holds {input.Type}.");
        return [OutputColumn.Create<ReadOnlyMemory<char>>(OutputColumnName, TextDataViewType.Instance, [input], MakeGetter(input))];
    }

    private Func<DataViewRow, ValueGetter<ReadOnlyMemory<char>>> MakeGetter(DataViewSchema.Column input) => row =>
    {
        var source = row.GetGetter<VBuffer<ReadOnlyMemory<char>>>(input);
        var items = default(VBuffer<ReadOnlyMemory<char>>);
        var builder = new StringBuilder();
        return (ref ReadOnlyMemory<char> value) =>
        {
            source(ref items);
            builder.Clear();
            var span = items.DenseValues();
            bool first = true;
            foreach (var item in span)
            {
                if (!first) builder.Append(Separator);
                builder.Append(item.Span);
                first = false;
            }
            value = builder.ToString().AsMemory();
        };
    };

    private protected override void SaveModel(ModelSaveContext ctx) => ModelStore.Save(ctx, Format, w =>
    {
        w.Write(InputColumnName);
        w.Write(OutputColumnName);
        w.Write(Separator);
    });

    internal static JoinTextTransformer Create(IHostEnvironment env, ModelLoadContext ctx) => ModelStore.Load(ctx, Format, r =>
        new JoinTextTransformer(new JoinTextOptions { InputColumnName = r.ReadString(), OutputColumnName = r.ReadString(), Separator = r.ReadString() }));
}
