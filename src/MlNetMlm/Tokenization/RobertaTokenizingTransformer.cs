using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.Tokenization;

/// <summary>
/// Row-to-row ML.NET transformer that adds a variable-length <see cref="int"/> vector column of RoBERTa token ids
/// (and optionally an attention mask) computed from a text column. Rows are tokenized lazily, only when a
/// getter of a new column is called; cursors made in parallel share nothing mutable.
/// </summary>
public sealed class RobertaTokenizingTransformer : ITransformer
{
    private readonly RobertaTokenizingEstimator.Options _options;

    internal RobertaTokenizingTransformer(RobertaTokenizingEstimator.Options validatedOptions) => _options = validatedOptions;

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

    /// <summary>The tokenizer (its files can be written with <see cref="RobertaTokenizer.WriteVocabulary"/> and <see cref="RobertaTokenizer.WriteMerges"/>).</summary>
    public RobertaTokenizer Tokenizer => _options.Tokenizer!;

    /// <summary>Always <see langword="true"/>: each output row depends only on its input row.</summary>
    public bool IsRowToRowMapper => true;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Bind(inputSchema).OutputSchema;

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new TokenizedDataView(input, Bind(input.Schema));
    }

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new TokenizingRowMapper(Bind(inputSchema));

    /// <summary>Not supported yet.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        // TODO(save-load): the ML.NET model-zip layer is built separately. What it must store is all public here:
        // the column names, AddSpecialTokens, MaxLength, and the tokenizer's vocab.json / merges.txt content.
        throw new NotSupportedException("Saving the RoBERTa tokenizing transformer into an ML.NET model zip is not implemented yet.");

    private TokenizingBinding Bind(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new TokenizingBinding(inputSchema, _options);
    }
}

/// <summary>The transform applied to one input schema: where the text comes from and where the new columns go.</summary>
internal sealed class TokenizingBinding
{
    public TokenizingBinding(DataViewSchema inputSchema, RobertaTokenizingEstimator.Options options)
    {
        InputSchema = inputSchema;
        Options = options;
        var text = inputSchema.GetColumnOrNull(options.InputColumnName)
            ?? throw ColumnErrors.Missing(options.InputColumnName, inputSchema.Where(c => !c.IsHidden).Select(c => c.Name));
        if (text.Type is not TextDataViewType)
            throw ColumnErrors.NotText(options.InputColumnName, $"{text.Type}");
        TextColumn = text;

        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        var idsType = new VectorDataViewType(NumberDataViewType.Int32);
        builder.AddColumn(options.OutputColumnName, idsType);
        if (options.AttentionMaskColumnName is { } mask) builder.AddColumn(mask, idsType);
        OutputSchema = builder.ToSchema();
        IdsIndex = inputSchema.Count;
        MaskIndex = options.AttentionMaskColumnName is null ? -1 : inputSchema.Count + 1;
    }

    public DataViewSchema InputSchema { get; }
    public DataViewSchema OutputSchema { get; }
    public RobertaTokenizingEstimator.Options Options { get; }
    public DataViewSchema.Column TextColumn { get; }
    public int IdsIndex { get; }
    public int MaskIndex { get; }

    public bool IsComputed(int outputIndex) => outputIndex >= InputSchema.Count;

    /// <summary>Input columns needed to produce the given output columns.</summary>
    public IEnumerable<DataViewSchema.Column> InputColumnsFor(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var needed = new SortedSet<int>();
        foreach (var column in outputColumns)
            needed.Add(IsComputed(column.Index) ? TextColumn.Index : column.Index);
        return needed.Select(i => InputSchema[i]).ToList();
    }

    public int[] Tokenize(string text) =>
        Options.MaxLength is { } max
            ? Options.Tokenizer!.EncodeToIds(text, Options.AddSpecialTokens, max)
            : Options.Tokenizer!.EncodeToIds(text, Options.AddSpecialTokens);
}

/// <summary><see cref="IRowToRowMapper"/> for <c>PredictionEngine</c> and other row-at-a-time users.</summary>
internal sealed class TokenizingRowMapper(TokenizingBinding binding) : IRowToRowMapper
{
    public DataViewSchema InputSchema => binding.InputSchema;
    public DataViewSchema OutputSchema => binding.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        binding.InputColumnsFor(dependingColumns);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new TokenizedRow(input, binding, activeColumns, ownsInput: false);
    }
}
