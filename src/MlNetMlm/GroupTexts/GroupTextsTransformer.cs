using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetMlm.DataView;
using MlNetMlm.MLNetInternals;
using MlNetMlm.Tokenization;

namespace MlNetMlm.GroupTexts;

/// <summary>
/// Cuts token-id rows into fixed-size blocks for masked-LM training (see <see cref="GroupTextsMode"/>).
/// Training-only: in <see cref="GroupTextsMode.Concatenate"/> mode the output rows are not the input
/// rows, and its output only holds the block and attention-mask columns; in
/// <see cref="GroupTextsMode.LineByLine"/> mode the input columns pass through.
/// </summary>
public sealed class GroupTextsTransformer : TrainingOnlyTransformer
{
    internal const string LoaderSignature = "MlNetMlmGroupTexts";
    internal static readonly ComponentFormat Format = new("MLMGROUP", LoaderSignature, 0x00010001, typeof(GroupTextsTransformer));
    private const string Name = "GroupTexts";

    internal GroupTextsTransformer(GroupTextsOptions options)
    {
        if (string.IsNullOrEmpty(options.InputColumnName))
            throw new ArgumentException($"{Name}: InputColumnName is required.", nameof(options));
        if (options.BlockSize < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"{Name}: BlockSize must be at least 1, but is {options.BlockSize}.");
        if (options.RowsPerGroup is < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"{Name}: RowsPerGroup must be null (one stream) or at least 1, but is {options.RowsPerGroup}.");
        if (!Enum.IsDefined(options.Mode))
            throw new ArgumentOutOfRangeException(nameof(options), $"{Name}: unknown Mode {(int)options.Mode}.");
        InputColumnName = options.InputColumnName;
        OutputColumnName = string.IsNullOrEmpty(options.OutputColumnName) ? options.InputColumnName : options.OutputColumnName;
        AttentionMaskColumnName = string.IsNullOrEmpty(options.AttentionMaskColumnName) ? null : options.AttentionMaskColumnName;
        if (AttentionMaskColumnName == OutputColumnName)
            throw new ArgumentException($"{Name}: the block column and the attention-mask column are both named '{OutputColumnName}'.", nameof(options));
        BlockSize = options.BlockSize;
        Mode = options.Mode;
        RowsPerGroup = options.RowsPerGroup;
        PadTokenId = options.PadTokenId;
        TruncationKeepsLastToken = options.TruncationKeepsLastToken;
    }

    /// <summary>The token-id column read.</summary>
    public string InputColumnName { get; }

    /// <summary>The block column written.</summary>
    public string OutputColumnName { get; }

    /// <summary>The attention-mask column written, or null.</summary>
    public string? AttentionMaskColumnName { get; }

    /// <summary>Tokens per block.</summary>
    public int BlockSize { get; }

    /// <summary>Concatenate or line by line.</summary>
    public GroupTextsMode Mode { get; }

    /// <summary>Rows concatenated before a remainder is dropped; null = one stream.</summary>
    public int? RowsPerGroup { get; }

    /// <summary>The padding id of line-by-line mode (when fitted: the input column's, unless the options set one).</summary>
    public int PadTokenId { get; }

    /// <summary>Whether line-by-line truncation keeps a long row's last id.</summary>
    public bool TruncationKeepsLastToken { get; }

    private protected override string ComponentName => Name;

    private protected override string WhyTrainingOnly => Mode == GroupTextsMode.Concatenate
        ? "its output rows are blocks cut across input rows, not one row per input row"
        : "it prepares training blocks, and a scoring pipeline should not pad or truncate its inputs";

    private VectorDataViewType BlockType => new(NumberDataViewType.Int32, BlockSize);

    /// <inheritdoc/>
    public override DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var ids = SchemaChecks.RequireVector(inputSchema, InputColumnName, NumberDataViewType.Int32, Name);
        if (Mode == GroupTextsMode.LineByLine) return LineByLineMapping(inputSchema).OutputSchema;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(OutputColumnName, BlockType, ids.Annotations); // blocks keep the tokenizer's ids (TokenIdAnnotations)
        if (AttentionMaskColumnName is not null) builder.AddColumn(AttentionMaskColumnName, BlockType);
        return builder.ToSchema();
    }

    /// <inheritdoc/>
    public override IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var ids = SchemaChecks.RequireVector(input.Schema, InputColumnName, NumberDataViewType.Int32, Name);
        return Mode == GroupTextsMode.LineByLine
            ? new MappedDataView(input, LineByLineMapping(input.Schema))
            : new GroupedDataView(input, ids, GetOutputSchema(input.Schema), BlockSize, RowsPerGroup);
    }

    private ColumnMapping LineByLineMapping(DataViewSchema inputSchema)
    {
        var ids = SchemaChecks.RequireVector(inputSchema, InputColumnName, NumberDataViewType.Int32, Name);
        // Padding with another tokenizer's id would write a token the model reads as text.
        TokenIdAnnotations.Read(ids)?.RequireAgreement(Name, $"column '{InputColumnName}'", "Fit GroupTexts on data of this tokenizer.",
            null, null, true, PadTokenId, null, "this fitted GroupTexts");
        var added = new List<OutputColumn> { OutputColumn.Create<VBuffer<int>>(OutputColumnName, BlockType, [ids], row => PaddedIds(row, ids), ids.Annotations) };
        if (AttentionMaskColumnName is not null)
            added.Add(OutputColumn.Create<VBuffer<int>>(AttentionMaskColumnName, BlockType, [ids], row => PaddingMask(row, ids)));
        return new ColumnMapping(inputSchema, added);
    }

    private ValueGetter<VBuffer<int>> PaddedIds(DataViewRow row, DataViewSchema.Column ids)
    {
        var read = row.GetGetter<VBuffer<int>>(ids);
        var source = default(VBuffer<int>);
        return (ref VBuffer<int> value) =>
        {
            read(ref source);
            var editor = VBufferEditor.Create(ref value, BlockSize);
            var block = editor.Values;
            int kept = Math.Min(source.Length, BlockSize);
            if (source.IsDense)
            {
                source.GetValues()[..kept].CopyTo(block);
            }
            else
            {
                int i = 0;
                foreach (int id in source.DenseValues())
                {
                    if (i == kept) break;
                    block[i++] = id;
                }
            }
            if (source.Length > BlockSize && TruncationKeepsLastToken)
                block[BlockSize - 1] = source.GetItemOrDefault(source.Length - 1);
            block[kept..].Fill(PadTokenId);
            value = editor.Commit();
        };
    }

    private ValueGetter<VBuffer<int>> PaddingMask(DataViewRow row, DataViewSchema.Column ids)
    {
        var read = row.GetGetter<VBuffer<int>>(ids);
        var source = default(VBuffer<int>);
        return (ref VBuffer<int> value) =>
        {
            read(ref source);
            var editor = VBufferEditor.Create(ref value, BlockSize);
            int kept = Math.Min(source.Length, BlockSize);
            editor.Values[..kept].Fill(1);
            editor.Values[kept..].Fill(0);
            value = editor.Commit();
        };
    }

    private protected override void SaveModel(ModelSaveContext ctx) => ModelStore.Save(ctx, Format, w =>
    {
        w.Write(InputColumnName);
        w.Write(OutputColumnName);
        w.Write(AttentionMaskColumnName, nullable: true);
        w.Values.Write(BlockSize);
        w.Values.Write((int)Mode);
        w.Values.Write(RowsPerGroup ?? 0); // 0 = one stream (a group of 0 rows is not allowed)
        w.Values.Write(PadTokenId);
        w.Values.Write(TruncationKeepsLastToken);
    });

    internal static GroupTextsTransformer Create(IHostEnvironment env, ModelLoadContext ctx) => ModelStore.Load(ctx, Format, r =>
    {
        var options = new GroupTextsOptions
        {
            InputColumnName = r.ReadString(),
            OutputColumnName = r.ReadString(),
            AttentionMaskColumnName = r.ReadNullableString(),
            BlockSize = r.Values.ReadInt32(),
            Mode = (GroupTextsMode)r.Values.ReadInt32(),
        };
        int rowsPerGroup = r.Values.ReadInt32();
        options.RowsPerGroup = rowsPerGroup == 0 ? null : rowsPerGroup;
        options.PadTokenId = r.Values.ReadInt32();
        options.TruncationKeepsLastToken = r.Values.ReadBoolean();
        return new GroupTextsTransformer(options);
    });
}
