using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.Tokenization;

/// <summary>
/// ML.NET estimator that tokenizes a text column with a <see cref="RobertaTokenizer"/> into a
/// variable-length vector of <see cref="int"/> ids (and optionally an attention mask of ones).
/// Create it with <c>mlContext.Transforms.Text.TokenizeRoberta(...)</c>. Fitting learns nothing; it only
/// checks the input schema.
/// </summary>
public sealed class RobertaTokenizingEstimator : IEstimator<RobertaTokenizingTransformer>
{
    /// <summary>Settings of the tokenizing transform.</summary>
    public sealed class Options
    {
        /// <summary>Text column to tokenize. Default <c>"text"</c>.</summary>
        public string InputColumnName { get; set; } = "text";

        /// <summary>Output column of token ids, a variable-length <see cref="int"/> vector. Default <c>"input_ids"</c>.</summary>
        public string OutputColumnName { get; set; } = "input_ids";

        /// <summary>If set, also writes an attention-mask column of this name (one 1 per id, as Hugging Face's <c>attention_mask</c>). Default <see langword="null"/>: none.</summary>
        public string? AttentionMaskColumnName { get; set; }

        /// <summary>Frame each row as <c>&lt;s&gt;</c> … <c>&lt;/s&gt;</c>. Default <see langword="true"/>.</summary>
        public bool AddSpecialTokens { get; set; } = true;

        /// <summary>
        /// If set, rows longer than this many ids (special tokens included) are cut at the end, keeping the
        /// closing <c>&lt;/s&gt;</c>, like Hugging Face's <c>truncation=True, max_length=…</c>. Default <see langword="null"/>: no truncation.
        /// </summary>
        public int? MaxLength { get; set; }

        /// <summary>The tokenizer. Default <see langword="null"/>: <see cref="RobertaTokenizer.Default"/> (offline, GPT-2 ids).</summary>
        public RobertaTokenizer? Tokenizer { get; set; }

        internal Options Validated()
        {
            if (string.IsNullOrWhiteSpace(InputColumnName)) throw new ArgumentException("InputColumnName must be given.", nameof(InputColumnName));
            if (string.IsNullOrWhiteSpace(OutputColumnName)) throw new ArgumentException("OutputColumnName must be given.", nameof(OutputColumnName));
            if (AttentionMaskColumnName is not null && (AttentionMaskColumnName.Length == 0 || AttentionMaskColumnName == OutputColumnName))
                throw new ArgumentException("AttentionMaskColumnName must be null or a name different from OutputColumnName.", nameof(AttentionMaskColumnName));
            int least = AddSpecialTokens ? 2 : 1;
            if (MaxLength is { } max && max < least)
                throw new ArgumentOutOfRangeException(nameof(MaxLength), max, $"MaxLength must be at least {least}{(AddSpecialTokens ? " (room for <s> and </s>)" : "")}.");
            return new Options
            {
                InputColumnName = InputColumnName,
                OutputColumnName = OutputColumnName,
                AttentionMaskColumnName = AttentionMaskColumnName,
                AddSpecialTokens = AddSpecialTokens,
                MaxLength = MaxLength,
                Tokenizer = Tokenizer ?? RobertaTokenizer.Default,
            };
        }
    }

    private readonly Options _options;

    /// <summary>Creates the estimator; prefer <c>mlContext.Transforms.Text.TokenizeRoberta(...)</c>.</summary>
    public RobertaTokenizingEstimator(Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Validated();
    }

    /// <summary>Checks that the input column exists and is text, and returns the transformer.</summary>
    public RobertaTokenizingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var transformer = new RobertaTokenizingTransformer(_options);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }

    /// <summary>The input columns plus the ids column (and the mask column), each a variable-length Int32 vector.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var input = inputSchema.FirstOrDefault(c => c.Name == _options.InputColumnName);
        if (input.Name is null)
            throw ColumnErrors.Missing(_options.InputColumnName, inputSchema.Select(c => c.Name));
        if (input.Kind != SchemaShape.Column.VectorKind.Scalar || input.ItemType is not TextDataViewType)
            throw ColumnErrors.NotText(_options.InputColumnName, input.Kind == SchemaShape.Column.VectorKind.Scalar ? $"{input.ItemType}" : $"a vector of {input.ItemType}");

        var columns = inputSchema.ToDictionary(c => c.Name);
        columns[_options.OutputColumnName] = SchemaShapeColumns.VariableVector(_options.OutputColumnName, NumberDataViewType.Int32);
        if (_options.AttentionMaskColumnName is { } mask)
            columns[mask] = SchemaShapeColumns.VariableVector(mask, NumberDataViewType.Int32);
        return new SchemaShape(columns.Values);
    }
}

/// <summary>Schema error messages that name the column and list the columns present.</summary>
internal static class ColumnErrors
{
    public static ArgumentOutOfRangeException Missing(string name, IEnumerable<string> present) =>
        new("inputSchema", $"Input column '{name}' not found. Columns present: {Describe(present)}.");

    public static ArgumentOutOfRangeException NotText(string name, string actualType) =>
        new("inputSchema", $"Input column '{name}' must be text (String), but it is {actualType}.");

    private static string Describe(IEnumerable<string> names)
    {
        var list = names.Distinct().Select(n => $"'{n}'").ToList();
        return list.Count == 0 ? "(none)" : string.Join(", ", list);
    }
}
