using MlNetMlm.DataView;

namespace MlNetMlm.Tokenization;

/// <summary>Options of <see cref="RobertaTokenizingEstimator"/> (<c>mlContext.Transforms.Text.TokenizeRoberta(...)</c>).</summary>
public sealed class TokenizeRobertaOptions
{
    /// <summary>Text column to tokenize. Default <c>"text"</c>.</summary>
    public string InputColumnName { get; set; } = ColumnNames.Text;

    /// <summary>Output column of token ids, a variable-length <see cref="int"/> vector. Default <c>"input_ids"</c>.</summary>
    public string OutputColumnName { get; set; } = ColumnNames.InputIds;

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

    internal TokenizeRobertaOptions Validated()
    {
        if (string.IsNullOrWhiteSpace(InputColumnName)) throw new ArgumentException("InputColumnName must be given.", nameof(InputColumnName));
        if (string.IsNullOrWhiteSpace(OutputColumnName)) throw new ArgumentException("OutputColumnName must be given.", nameof(OutputColumnName));
        if (AttentionMaskColumnName is not null && (AttentionMaskColumnName.Length == 0 || AttentionMaskColumnName == OutputColumnName))
            throw new ArgumentException("AttentionMaskColumnName must be null or a name different from OutputColumnName.", nameof(AttentionMaskColumnName));
        int least = AddSpecialTokens ? 2 : 1;
        if (MaxLength is { } max && max < least)
            throw new ArgumentOutOfRangeException(nameof(MaxLength), max, $"MaxLength must be at least {least}{(AddSpecialTokens ? " (room for <s> and </s>)" : "")}.");
        return new TokenizeRobertaOptions
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
