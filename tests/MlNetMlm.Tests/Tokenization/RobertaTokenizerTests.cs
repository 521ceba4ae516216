using MlNetMlm.Tokenization;

namespace MlNetMlm.Tests.Tokenization;

[TestClass]
public sealed class RobertaTokenizerTests
{
    private static RobertaTokenizer Roberta => ReferenceData.RobertaBaseFromVocabAndMerges;

    /// <summary>
    /// Behaviour shared by every RoBERTa vocabulary runs once per tokenizer: the offline default, and roberta-base
    /// (that case reports Inconclusive with the missing file's name when ../shared is absent).
    /// </summary>
    private static RobertaTokenizer Tokenizer(string kind) => kind switch
    {
        "default" => RobertaTokenizer.Default,
        "roberta-base" => ReferenceData.RobertaBaseFromVocabAndMerges,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [TestMethod]
    [DataRow("default")]
    [DataRow("roberta-base")]
    public void EmptyTextIsJustTheFrame(string kind)
    {
        var t = Tokenizer(kind);
        CollectionAssert.AreEqual(new[] { 0, 2 }, t.EncodeToIds(""));
        CollectionAssert.AreEqual(Array.Empty<int>(), t.EncodeToIds("", addSpecialTokens: false));
    }

    [TestMethod]
    public void RobertaBaseSpecialTokensHaveTheirPublishedIds()
    {
        Assert.AreEqual(50265, Roberta.VocabularySize);
        Assert.AreEqual((0, 1, 2, 3, 50264), (Roberta.BosId, Roberta.PadId, Roberta.EosId, Roberta.UnkId, Roberta.MaskId));
        Assert.AreEqual("<mask>", Roberta.MaskToken);
        CollectionAssert.AreEquivalent(new[] { 0, 1, 2, 3, 50264 }, Roberta.SpecialIds.ToArray());
        Assert.IsTrue(Roberta.IsSpecial(50264));
        Assert.IsFalse(Roberta.IsSpecial(232));
        Assert.AreEqual("Ġworld", Roberta.ConvertIdToToken(232));
        Assert.AreEqual(232, Roberta.ConvertTokenToId("Ġworld"));
        Assert.AreEqual(Roberta.UnkId, Roberta.ConvertTokenToId("no such token"));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Roberta.ConvertIdToToken(50265));
    }

    [TestMethod]
    [DataRow("default")]
    [DataRow("roberta-base")]
    public void MaskSwallowsTheWhitespaceBeforeItButNotAfter(string kind)
    {
        var t = Tokenizer(kind);
        int[] spaced = t.EncodeToIds("a <mask> b");
        CollectionAssert.AreEqual(spaced, t.EncodeToIds("a<mask> b"));
        CollectionAssert.AreEqual(spaced, t.EncodeToIds("a \t <mask> b"));
        CollectionAssert.AreNotEqual(spaced, t.EncodeToIds("a <mask>b"), "whitespace after <mask> stays with the next word");
        Assert.AreEqual(1, spaced.Count(id => id == t.MaskId));
        // Only the exact text is the mask token.
        Assert.IsFalse(t.EncodeToIds("<MASK> < mask> <mask").Contains(t.MaskId));
        CollectionAssert.AreEqual(new[] { "<s>", "a", "<mask>", "Ġb", "</s>" }, t.EncodeToTokens("a <mask> b"));
    }

    [TestMethod]
    [DataRow("default")]
    [DataRow("roberta-base")]
    public void LoneSurrogatesAreReadAsReplacementCharacters(string kind)
    {
        var t = Tokenizer(kind);
        CollectionAssert.AreEqual(t.EncodeToIds("a\uFFFDb"), t.EncodeToIds("a\uD800b"));
        CollectionAssert.AreEqual(t.EncodeToIds("x \uFFFD"), t.EncodeToIds("x \uDC00"));
    }

    private static readonly string[] RoundTripTexts =
    [
        "Hello world",
        "  leading and trailing  ",
        "tabs\tand\nnewlines\r\n\n",
        "emoji 😀😂 👍🏽 👨‍👩‍👧‍👦 🇫🇷",
        "CJK 中文字符 日本語 한국어",
        "combining é Z͑ͫ̓ and math 𝓗𝓮𝓵𝓵𝓸",
        "contractions: I'm you're CAN'T it'S",
        "literal <s> and </s> and <pad> inside",
    ];

    public static IEnumerable<object[]> RoundTripCases =>
        from kind in new[] { "default", "roberta-base" } from text in RoundTripTexts select new object[] { kind, text };

    [TestMethod]
    [DynamicData(nameof(RoundTripCases))]
    public void DecodeInvertsEncode(string kind, string text)
    {
        var tokenizer = Tokenizer(kind);
        Assert.AreEqual(text, tokenizer.Decode(tokenizer.EncodeToIds(text, addSpecialTokens: false)));
        Assert.AreEqual("<s>" + text + "</s>", tokenizer.Decode(tokenizer.EncodeToIds(text)));
    }

    [TestMethod]
    [DataRow("default", new[] { 0, 15496 + 4, 995 + 4, 2 })] // GPT-2's published ids for "Hello" and " world", shifted by 4
    [DataRow("roberta-base", new[] { 0, 31414, 232, 2 })]
    public void PublishedIdsDecodeToTheirText(string kind, int[] ids) =>
        Assert.AreEqual("Hello world", Tokenizer(kind).Decode(ids, skipSpecialTokens: true));

    [TestMethod]
    [DataRow("default")]
    [DataRow("roberta-base")]
    public void DecodingHalfACharacterGivesReplacementCharacter(string kind)
    {
        var t = Tokenizer(kind);
        // "😀" is four UTF-8 bytes, so byte-level BPE spells it with several ids; alone, the first is not valid UTF-8.
        int[] ids = t.EncodeToIds("😀", addSpecialTokens: false);
        Assert.IsTrue(ids.Length > 1, $"expected several byte tokens, got {ids.Length}");
        StringAssert.StartsWith(t.Decode(ids[..1]), "\uFFFD");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => t.Decode([-1]));
    }

    [TestMethod]
    [DataRow("default")]
    [DataRow("roberta-base")]
    public void TruncationKeepsTheClosingToken(string kind)
    {
        var t = Tokenizer(kind);
        string text = "one two three four five six seven";
        int[] full = t.EncodeToIds(text);
        int[] cut = t.EncodeToIds(text, addSpecialTokens: true, maxLength: 5);
        CollectionAssert.AreEqual(full[..4].Append(t.EosId).ToArray(), cut);
        CollectionAssert.AreEqual(full, t.EncodeToIds(text, addSpecialTokens: true, maxLength: 1000));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => t.EncodeToIds(text, addSpecialTokens: true, maxLength: 1));
    }

    [TestMethod]
    public void EncodingIntoABufferReportsTheNeededSize()
    {
        var t = RobertaTokenizer.Default;
        int[] expected = t.EncodeToIds("Hello world");
        Span<int> small = stackalloc int[2];
        Assert.AreEqual(-expected.Length, t.EncodeToIds("Hello world", small));
        Span<int> big = stackalloc int[16];
        int written = t.EncodeToIds("Hello world", big);
        CollectionAssert.AreEqual(expected, big[..written].ToArray());
    }
}
