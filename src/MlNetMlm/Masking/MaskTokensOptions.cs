using Microsoft.ML;
using MlNetMlm.DataView;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Masking;

/// <summary>
/// Options of <see cref="MaskTokensEstimator"/>: Hugging Face's <c>DataCollatorForLanguageModeling</c>
/// (dynamic masking for masked-LM training). The ids (mask, padding, specials, vocabulary size) that are
/// not set come from the annotations that <c>TokenizeRoberta</c> puts on the input column, so they are the
/// tokenizer's; a column without them (ids loaded from a file) gets roberta-base's (and distilroberta-base's).
/// An id that is set and disagrees with the column's annotations is an error naming both.
/// </summary>
public sealed class MaskTokensOptions
{
    /// <summary>The token-id column (a vector of Int32). Default: <c>input_ids</c>.</summary>
    public string InputColumnName { get; set; } = ColumnNames.InputIds;

    /// <summary>The masked ids written. Default: the input column's name (replacing it in the output schema).</summary>
    public string? OutputColumnName { get; set; }

    /// <summary>The labels written: the original id where a token was chosen, -100 (ignored by the loss) elsewhere. Default: <c>labels</c>.</summary>
    public string LabelColumnName { get; set; } = ColumnNames.Labels;

    /// <summary>Chance that a token (or, with <see cref="WholeWordMasking"/>, a word) is chosen for prediction. Default: 0.15.</summary>
    public double MlmProbability { get; set; } = 0.15;

    /// <summary>Of the chosen tokens, the share replaced by <see cref="MaskTokenId"/>. Default: 0.8.</summary>
    public double MaskReplaceProbability { get; set; } = 0.8;

    /// <summary>
    /// Of the chosen tokens, the share replaced by a random id drawn uniformly from [0, <see cref="VocabularySize"/>).
    /// Default: 0.1. The rest (by default 0.1) keep their id. Like Hugging Face, the draw covers the whole
    /// vocabulary, special tokens included, and may return the original id.
    /// </summary>
    public double RandomReplaceProbability { get; set; } = 0.1;

    /// <summary>The <c>&lt;mask&gt;</c> id. Default: the input column's (from its tokenizer), else 50264 (roberta-base).</summary>
    public int MaskTokenId { get => _maskTokenId ?? 50264; set => _maskTokenId = value; }

    /// <summary>
    /// Number of ids of the tokenizer (<c>len(tokenizer)</c>); input ids must lie below it. Default: the input
    /// column's (from its tokenizer), else 50265 (roberta-base).
    /// </summary>
    public int VocabularySize { get => _vocabularySize ?? 50265; set => _vocabularySize = value; }

    /// <summary>
    /// Ids never chosen. Default: the input column's (its tokenizer's special tokens), else roberta-base's
    /// <c>&lt;s&gt;</c>=0, <c>&lt;pad&gt;</c>=1, <c>&lt;/s&gt;</c>=2, <c>&lt;unk&gt;</c>=3, <c>&lt;mask&gt;</c>=50264.
    /// </summary>
    public int[] SpecialTokenIds { get => _specialTokenIds ?? [0, 1, 2, 3, 50264]; set => _specialTokenIds = value; }

    /// <summary>
    /// The padding id, never chosen (null: no padding). Default: the input column's (from its tokenizer),
    /// else 1 (roberta-base's <c>&lt;pad&gt;</c>).
    /// </summary>
    public int? PadTokenId
    {
        get => _padGiven ? _padTokenId : 1;
        set => (_padTokenId, _padGiven) = (value, true);
    }

    private int? _maskTokenId;
    private int? _vocabularySize;
    private int[]? _specialTokenIds;
    private int? _padTokenId;
    private bool _padGiven;

    /// <summary>
    /// Seeds the masks of cursors opened without a <see cref="Random"/>: the n-th such cursor over this
    /// transformer's outputs draws from (Seed, n). Cursors given a <see cref="Random"/> draw from it
    /// instead. Default: 42 (Hugging Face's default training seed).
    /// </summary>
    public int Seed { get; set; } = 42;

    /// <summary>
    /// Choose whole words: all sub-tokens of a word are chosen together (one draw per word), then each
    /// chosen token is replaced as usual. Needs <see cref="IsWordStart"/>. Default: false.
    /// </summary>
    public bool WholeWordMasking { get; set; }

    /// <summary>
    /// With <see cref="WholeWordMasking"/>: for each id, whether its token begins a word (for byte-level BPE,
    /// tokens whose string starts with 'Ġ'; see <see cref="WordStarts.FromByteLevelVocabulary"/>). Length must be
    /// <see cref="VocabularySize"/>. A token after a special token also begins a word. Saved with the model.
    /// </summary>
    public bool[]? IsWordStart { get; set; }

    /// <summary>
    /// These options with the ids not set taken from the annotations of <paramref name="ids"/> (see the class
    /// summary); throws when a set id disagrees with them.
    /// </summary>
    internal MaskTokensOptions ResolvedFor(DataViewSchema.Column ids, string component)
    {
        var resolved = (MaskTokensOptions)MemberwiseClone();
        if (TokenIdAnnotations.Read(ids) is not { } annotated) return resolved;
        annotated.RequireAgreement(component, $"column '{ids.Name}'", "Leave the ids unset to take the column's, or tokenize with the tokenizer these ids belong to.",
            _vocabularySize, _maskTokenId, _padGiven, _padTokenId, _specialTokenIds, "the MaskTokens options");
        resolved.VocabularySize = annotated.VocabularySize;
        resolved.MaskTokenId = annotated.MaskTokenId;
        resolved.PadTokenId = _padGiven ? _padTokenId : annotated.PadTokenId;
        resolved.SpecialTokenIds = annotated.SpecialTokenIds;
        return resolved;
    }

    /// <summary>
    /// Options whose ids (mask, padding, specials, vocabulary size) come from <paramref name="tokenizer"/>;
    /// with <paramref name="wholeWordMasking"/> the word-start table is built from its vocabulary too.
    /// </summary>
    public static MaskTokensOptions ForTokenizer(RobertaTokenizer tokenizer, bool wholeWordMasking = false)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        return new MaskTokensOptions
        {
            MaskTokenId = tokenizer.MaskId,
            VocabularySize = tokenizer.VocabularySize,
            SpecialTokenIds = tokenizer.SpecialIds.Order().ToArray(),
            PadTokenId = tokenizer.PadId,
            WholeWordMasking = wholeWordMasking,
            IsWordStart = wholeWordMasking
                ? Enumerable.Range(0, tokenizer.VocabularySize).Select(id => tokenizer.ConvertIdToToken(id).StartsWith('Ġ')).ToArray()
                : null,
        };
    }
}
