using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetMlm.DataView;
using MlNetMlm.MLNetInternals;

namespace MlNetMlm.Tokenization;

/// <summary>
/// Row-to-row ML.NET transformer that adds a variable-length <see cref="int"/> vector column of RoBERTa token ids
/// (and optionally an attention mask) computed from a text column. The ids column is annotated with the
/// tokenizer's vocabulary size and special ids (<see cref="TokenIdAnnotations"/>). Rows are tokenized lazily, only when a
/// getter of a new column is called, and once per row for both columns.
/// </summary>
public sealed class RobertaTokenizingTransformer : RowMappingTransformer
{
    internal const string LoaderSignature = "MlNetMlmTokenizeRoberta";
    internal static readonly ComponentFormat Format = new("MLMTOKNZ", LoaderSignature, 0x00010001, typeof(RobertaTokenizingTransformer));
    private const string Component = "TokenizeRoberta";

    private readonly TokenizeRobertaOptions _options;

    internal RobertaTokenizingTransformer(TokenizeRobertaOptions validatedOptions) => _options = validatedOptions;

    /// <summary>Text column read.</summary>
    public string InputColumnName => _options.InputColumnName;

    /// <summary>Ids column written.</summary>
    public string OutputColumnName => _options.OutputColumnName;

    /// <summary>Attention-mask column written, or <see langword="null"/>.</summary>
    public string? AttentionMaskColumnName => _options.AttentionMaskColumnName;

    /// <summary>Whether rows are framed as <c>&lt;s&gt;</c> … <c>&lt;/s&gt;</c>.</summary>
    public bool AddSpecialTokens => _options.AddSpecialTokens;

    /// <summary>Longest row in ids, or <see langword="null"/> for no truncation.</summary>
    public int? MaxLength => _options.MaxLength;

    /// <summary>The tokenizer.</summary>
    public RobertaTokenizer Tokenizer => _options.Tokenizer!;

    /// <summary>The ids of the row last read through one input row or cursor; shared by the ids and mask getters.</summary>
    private sealed class RowTokens
    {
        public long Position = long.MinValue;
        public string? Text;
        public int[] Ids = [];
    }

    private readonly ConditionalWeakTable<DataViewRow, RowTokens> _rows = new();

    private int[] IdsOf(DataViewRow row, ValueGetter<ReadOnlyMemory<char>> text, ref ReadOnlyMemory<char> buffer)
    {
        var cache = _rows.GetValue(row, _ => new RowTokens());
        text(ref buffer);
        if (cache.Position != row.Position || cache.Text is null || !buffer.Span.SequenceEqual(cache.Text))
        {
            cache.Text = buffer.ToString();
            cache.Ids = _options.MaxLength is { } max
                ? Tokenizer.EncodeToIds(cache.Text, _options.AddSpecialTokens, max)
                : Tokenizer.EncodeToIds(cache.Text, _options.AddSpecialTokens);
            cache.Position = row.Position;
        }
        return cache.Ids;
    }

    private protected override IReadOnlyList<OutputColumn> AddedColumns(DataViewSchema inputSchema)
    {
        var input = SchemaChecks.RequireText(inputSchema, _options.InputColumnName, Component);
        var idsType = new VectorDataViewType(NumberDataViewType.Int32);
        OutputColumn Column(string name, Func<int[], VBuffer<int>, VBuffer<int>> fill, DataViewSchema.Annotations? annotations = null) =>
            OutputColumn.Create<VBuffer<int>>(name, idsType, [input], row =>
            {
                var text = row.GetGetter<ReadOnlyMemory<char>>(input);
                ReadOnlyMemory<char> buffer = default;
                return (ref VBuffer<int> value) => value = fill(IdsOf(row, text, ref buffer), value);
            }, annotations);
        var columns = new List<OutputColumn>
        {
            Column(_options.OutputColumnName, (ids, old) =>
            {
                var editor = VBufferEditor.Create(ref old, ids.Length);
                ids.CopyTo(editor.Values);
                return editor.Commit();
            }, TokenIdAnnotations.Of(Tokenizer).ToAnnotations()), // the ids travel with the data (MaskTokens and the trainer read them)
        };
        if (_options.AttentionMaskColumnName is { } mask)
            columns.Add(Column(mask, (ids, old) =>
            {
                var editor = VBufferEditor.Create(ref old, ids.Length);
                editor.Values.Fill(1);
                return editor.Commit();
            }));
        return columns;
    }

    private protected override void SaveModel(ModelSaveContext ctx) => ModelStore.Save(ctx, Format, w =>
    {
        w.Write(_options.InputColumnName);
        w.Write(_options.OutputColumnName);
        w.Write(_options.AttentionMaskColumnName, nullable: true);
        w.Values.Write(_options.AddSpecialTokens);
        w.Values.Write(_options.MaxLength ?? -1);
        w.WriteBlob("vocab.json", Tokenizer.WriteVocabulary);
        w.WriteBlob("merges.txt", Tokenizer.WriteMerges);
    });

    internal static RobertaTokenizingTransformer Create(IHostEnvironment env, ModelLoadContext ctx) => ModelStore.Load(ctx, Format, r =>
    {
        var options = new TokenizeRobertaOptions
        {
            InputColumnName = r.ReadString(),
            OutputColumnName = r.ReadString(),
            AttentionMaskColumnName = r.ReadNullableString(),
            AddSpecialTokens = r.Values.ReadBoolean(),
        };
        int max = r.Values.ReadInt32();
        options.MaxLength = max < 0 ? null : max;
        var vocab = r.ReadBlob("vocab.json", CopyToMemory);
        var merges = r.ReadBlob("merges.txt", CopyToMemory);
        options.Tokenizer = RobertaTokenizer.FromStreams(vocab, merges);
        return new RobertaTokenizingTransformer(options.Validated());
    });

    private static MemoryStream CopyToMemory(Stream source)
    {
        var memory = new MemoryStream();
        source.CopyTo(memory);
        memory.Position = 0;
        return memory;
    }
}
