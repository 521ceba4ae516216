using Microsoft.ML;
using MlNetMlm.DataView;
using MlNetMlm.Tokenization;

namespace MlNetMlm.GroupTexts;

/// <summary>Options of <see cref="GroupTextsEstimator"/>: cut token-id rows into fixed-size training blocks.</summary>
public sealed class GroupTextsOptions
{
    /// <summary>The token-id column (a vector of Int32). Default: <c>input_ids</c>.</summary>
    public string InputColumnName { get; set; } = ColumnNames.InputIds;

    /// <summary>The block column written, a vector of Int32 of size <see cref="BlockSize"/>. Default: the input column's name.</summary>
    public string? OutputColumnName { get; set; }

    /// <summary>
    /// The attention-mask column written beside the blocks (1 = real token, 0 = padding; all ones in
    /// <see cref="GroupTextsMode.Concatenate"/> mode, so both modes give the trainer the same schema).
    /// Default: <c>attention_mask</c>; null or empty writes none.
    /// </summary>
    public string? AttentionMaskColumnName { get; set; } = ColumnNames.AttentionMask;

    /// <summary>Tokens per block. Default: 128, as in the Hugging Face course's MLM fine-tuning.</summary>
    public int BlockSize { get; set; } = 128;

    /// <summary>Concatenate rows (default, Hugging Face's <c>group_texts</c>) or one block per row.</summary>
    public GroupTextsMode Mode { get; set; } = GroupTextsMode.Concatenate;

    /// <summary>
    /// <see cref="GroupTextsMode.Concatenate"/> only: rows concatenated together before the remainder is
    /// dropped. Default: null, one continuous stream, which drops at most <c>BlockSize - 1</c> tokens in
    /// all. Hugging Face applies <c>group_texts</c> through <c>datasets.map(batched=True)</c>, whose
    /// batches hold 1,000 rows, so it drops a remainder (and restarts block boundaries) every 1,000
    /// rows; set 1000 to reproduce its blocks exactly. That batch size is an artefact of
    /// <c>datasets</c>' default, not a modelling choice, hence the default here.
    /// </summary>
    public int? RowsPerGroup { get; set; }

    /// <summary>
    /// <see cref="GroupTextsMode.LineByLine"/> only: the id that pads short rows. Default: the input column's
    /// (the <c>&lt;pad&gt;</c> of the tokenizer that made it, annotated by <c>TokenizeRoberta</c>), else 1
    /// (<c>&lt;pad&gt;</c> of roberta-base) for ids without annotations (loaded from a file). Set and
    /// different from the column's is an error naming both, as for <c>MaskTokens</c>.
    /// </summary>
    public int PadTokenId { get => _padTokenId ?? 1; set => _padTokenId = value; }

    private int? _padTokenId;

    /// <summary>
    /// <see cref="GroupTextsMode.LineByLine"/> only: when a row is longer than <see cref="BlockSize"/>, keep
    /// its last id (the closing <c>&lt;/s&gt;</c>) as the block's last id, as Hugging Face's tokenizer
    /// truncation does. Default: true. False cuts after the first <see cref="BlockSize"/> ids.
    /// </summary>
    public bool TruncationKeepsLastToken { get; set; } = true;

    /// <summary>
    /// These options with <see cref="PadTokenId"/>, when not set, taken from the annotations of <paramref name="ids"/>
    /// (line-by-line mode only: concatenating pads nothing); throws when a set id disagrees with them.
    /// </summary>
    internal GroupTextsOptions ResolvedFor(DataViewSchema.Column ids, string component)
    {
        var resolved = (GroupTextsOptions)MemberwiseClone();
        if (Mode != GroupTextsMode.LineByLine || TokenIdAnnotations.Read(ids) is not { } annotated) return resolved;
        annotated.RequireAgreement(component, $"column '{ids.Name}'", "Leave PadTokenId unset to take the column's, or tokenize with the tokenizer this id belongs to.",
            null, null, _padTokenId is not null, _padTokenId, null, "the GroupTexts options");
        resolved._padTokenId = annotated.PadTokenId
            ?? throw new InvalidOperationException($"{component}: column '{ids.Name}' has no padding id (its tokenizer has no <pad>), and line-by-line mode pads short rows; set PadTokenId.");
        return resolved;
    }
}
