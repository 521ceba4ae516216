using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.Tokenization;

/// <summary>
/// The ids of the tokenizer that made a token-id column, carried with the data as ML.NET annotations on
/// that column (as ML.NET carries slot names or key values): <c>TokenizeRoberta</c> writes them,
/// <c>GroupTexts</c> and <c>MaskTokens</c> pass them on, and <c>MaskTokens</c>, line-by-line <c>GroupTexts</c> (its padding id) and the trainer read them,
/// so the mask id written is one the tokenizer (and the model) has. They are not saved: each transformer
/// recomputes them from its own state, so they come back after an ML.NET zip is loaded.
/// </summary>
internal sealed class TokenIdAnnotations
{
    /// <summary>Annotation kinds (Int32, Int32, Int32, vector of Int32).</summary>
    public const string VocabularySizeKind = "MlNetMlm.VocabularySize";
    public const string MaskTokenIdKind = "MlNetMlm.MaskTokenId";
    public const string PadTokenIdKind = "MlNetMlm.PadTokenId";
    public const string SpecialTokenIdsKind = "MlNetMlm.SpecialTokenIds";

    public TokenIdAnnotations(int vocabularySize, int maskTokenId, int? padTokenId, IEnumerable<int> specialTokenIds)
    {
        VocabularySize = vocabularySize;
        MaskTokenId = maskTokenId;
        PadTokenId = padTokenId;
        SpecialTokenIds = specialTokenIds.Distinct().Order().ToArray();
    }

    public int VocabularySize { get; }
    public int MaskTokenId { get; }
    public int? PadTokenId { get; }

    /// <summary>Sorted, distinct.</summary>
    public int[] SpecialTokenIds { get; }

    public static TokenIdAnnotations Of(RobertaTokenizer tokenizer) =>
        new(tokenizer.VocabularySize, tokenizer.MaskId, tokenizer.PadId, tokenizer.SpecialIds);

    public DataViewSchema.Annotations ToAnnotations()
    {
        var builder = new DataViewSchema.Annotations.Builder();
        AddInt(builder, VocabularySizeKind, VocabularySize);
        AddInt(builder, MaskTokenIdKind, MaskTokenId);
        if (PadTokenId is int pad) AddInt(builder, PadTokenIdKind, pad);
        var specials = SpecialTokenIds;
        builder.Add(SpecialTokenIdsKind, new VectorDataViewType(NumberDataViewType.Int32, specials.Length),
            (ref VBuffer<int> value) => value = new VBuffer<int>(specials.Length, (int[])specials.Clone()));
        return builder.ToAnnotations();
    }

    private static void AddInt(DataViewSchema.Annotations.Builder builder, string kind, int v) =>
        builder.Add(kind, NumberDataViewType.Int32, (ref int value) => value = v);

    /// <summary>The ids annotated on <paramref name="column"/>, or null when it carries none (e.g. ids loaded from a file).</summary>
    public static TokenIdAnnotations? Read(DataViewSchema.Column column)
    {
        var annotations = column.Annotations;
        if (annotations.Schema.GetColumnOrNull(VocabularySizeKind) is null || annotations.Schema.GetColumnOrNull(MaskTokenIdKind) is null)
            return null;
        int vocabulary = 0, mask = 0, pad = 0;
        annotations.GetValue(VocabularySizeKind, ref vocabulary);
        annotations.GetValue(MaskTokenIdKind, ref mask);
        bool hasPad = annotations.Schema.GetColumnOrNull(PadTokenIdKind) is not null;
        if (hasPad) annotations.GetValue(PadTokenIdKind, ref pad);
        VBuffer<int> specials = default;
        if (annotations.Schema.GetColumnOrNull(SpecialTokenIdsKind) is not null) annotations.GetValue(SpecialTokenIdsKind, ref specials);
        return new TokenIdAnnotations(vocabulary, mask, hasPad ? pad : null, specials.DenseValues().ToArray());
    }

    /// <summary>
    /// The differences between the ids annotated on a column and ids given another way (null: not given),
    /// each naming both values; empty when they agree.
    /// </summary>
    private List<string> Differences(int? vocabularySize, int? maskTokenId, bool padGiven, int? padTokenId, IEnumerable<int>? specialTokenIds, string givenBy)
    {
        var differences = new List<string>();
        if (vocabularySize is int v && v != VocabularySize)
            differences.Add($"VocabularySize is {v} in {givenBy} but {VocabularySize} in the annotations");
        if (maskTokenId is int m && m != MaskTokenId)
            differences.Add($"MaskTokenId is {m} in {givenBy} but {MaskTokenId} in the annotations");
        if (padGiven && padTokenId != PadTokenId)
            differences.Add($"PadTokenId is {Show(padTokenId)} in {givenBy} but {Show(PadTokenId)} in the annotations");
        if (specialTokenIds is not null && specialTokenIds.Distinct().Order() is var given && !given.SequenceEqual(SpecialTokenIds))
            differences.Add($"SpecialTokenIds are [{string.Join(", ", given)}] in {givenBy} but [{string.Join(", ", SpecialTokenIds)}] in the annotations");
        return differences;
    }

    /// <summary>Throws when <see cref="Differences"/> finds any: one message naming the component, the column and every difference.</summary>
    public void RequireAgreement(string component, string columnDescription, string advice, int? vocabularySize, int? maskTokenId, bool padGiven, int? padTokenId,
        IEnumerable<int>? specialTokenIds, string givenBy)
    {
        var differences = Differences(vocabularySize, maskTokenId, padGiven, padTokenId, specialTokenIds, givenBy);
        if (differences.Count > 0)
            throw new InvalidOperationException(
                $"{component}: the token ids of {columnDescription} do not match {givenBy}: {string.Join("; ", differences)} " +
                $"(the annotations come from the tokenizer that made the column). {advice}");
    }

    private static string Show(int? id) => id?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";
}
