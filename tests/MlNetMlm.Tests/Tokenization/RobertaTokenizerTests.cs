using MlNetMlm.Tokenization;

namespace MlNetMlm.Tests.Tokenization;

[TestClass]
public sealed class RobertaTokenizerTests
{
    private static RobertaTokenizer Roberta => ReferenceData.RobertaBaseFromVocabAndMerges;

    /// <summary>Behaviour shared by every RoBERTa vocabulary runs on the offline default, and on roberta-base too when present.</summary>
    private static IEnumerable<RobertaTokenizer> Tokenizers =>
        ReferenceData.RobertaBaseIfPresent is { } roberta ? [RobertaTokenizer.Default, roberta] : [RobertaTokenizer.Default];

    [TestMethod]
    public void EmptyTextIsJustTheFrame()
    {
        foreach (var t in Tokenizers)
        {
            CollectionAssert.AreEqual(new[] { 0, 2 }, t.EncodeToIds(""));
            CollectionAssert.AreEqual(Array.Empty<int>(), t.EncodeToIds("", addSpecialTokens: false));
        }
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
    public void MaskSwallowsTheWhitespaceBeforeItButNotAfter()
    {
        foreach (var t in Tokenizers)
        {
            int[] spaced = t.EncodeToIds("a <mask> b");
            CollectionAssert.AreEqual(spaced, t.EncodeToIds("a<mask> b"));
            CollectionAssert.AreEqual(spaced, t.EncodeToIds("a \t <mask> b"));
            CollectionAssert.AreNotEqual(spaced, t.EncodeToIds("a <mask>b"), "whitespace after <mask> stays with the next word");
            Assert.AreEqual(1, spaced.Count(id => id == t.MaskId));
            // Only the exact text is the mask token.
            Assert.IsFalse(t.EncodeToIds("<MASK> < mask> <mask").Contains(t.MaskId));
            CollectionAssert.AreEqual(new[] { "<s>", "a", "<mask>", "Ġb", "</s>" }, t.EncodeToTokens("a <mask> b"));
        }
    }

    [TestMethod]
    public void LoneSurrogatesAreReadAsReplacementCharacters()
    {
        foreach (var t in Tokenizers)
        {
            CollectionAssert.AreEqual(t.EncodeToIds("a\uFFFDb"), t.EncodeToIds("a\uD800b"));
            CollectionAssert.AreEqual(t.EncodeToIds("x \uFFFD"), t.EncodeToIds("x \uDC00"));
        }
    }

    [TestMethod]
    [DataRow("Hello world")]
    [DataRow("  leading and trailing  ")]
    [DataRow("tabs\tand\nnewlines\r\n\n")]
    [DataRow("emoji 😀😂 👍🏽 👨‍👩‍👧‍👦 🇫🇷")]
    [DataRow("CJK 中文字符 日本語 한국어")]
    [DataRow("combining é Z͑ͫ̓ and math 𝓗𝓮𝓵𝓵𝓸")]
    [DataRow("contractions: I'm you're CAN'T it'S")]
    [DataRow("literal <s> and </s> and <pad> inside")]
    public void DecodeInvertsEncode(string text)
    {
        foreach (var tokenizer in Tokenizers)
        {
            Assert.AreEqual(text, tokenizer.Decode(tokenizer.EncodeToIds(text, addSpecialTokens: false)));
            Assert.AreEqual("<s>" + text + "</s>", tokenizer.Decode(tokenizer.EncodeToIds(text)));
        }
        // GPT-2's published ids for "Hello" and " world", shifted by 4 in the default.
        Assert.AreEqual("Hello world", RobertaTokenizer.Default.Decode([0, 15496 + 4, 995 + 4, 2], skipSpecialTokens: true));
        if (ReferenceData.RobertaBaseIfPresent is { } roberta)
            Assert.AreEqual("Hello world", roberta.Decode([0, 31414, 232, 2], skipSpecialTokens: true));
    }

    [TestMethod]
    public void DecodingHalfACharacterGivesReplacementCharacter()
    {
        // "😀" is four UTF-8 bytes, so byte-level BPE spells it with several ids; alone, the first is not valid UTF-8.
        foreach (var t in Tokenizers)
        {
            int[] ids = t.EncodeToIds("😀", addSpecialTokens: false);
            Assert.IsTrue(ids.Length > 1, $"expected several byte tokens, got {ids.Length}");
            StringAssert.StartsWith(t.Decode(ids[..1]), "\uFFFD");
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => t.Decode([-1]));
        }
    }

    [TestMethod]
    public void TruncationKeepsTheClosingToken()
    {
        string text = "one two three four five six seven";
        foreach (var t in Tokenizers)
        {
            int[] full = t.EncodeToIds(text);
            int[] cut = t.EncodeToIds(text, addSpecialTokens: true, maxLength: 5);
            CollectionAssert.AreEqual(full[..4].Append(t.EosId).ToArray(), cut);
            CollectionAssert.AreEqual(full, t.EncodeToIds(text, addSpecialTokens: true, maxLength: 1000));
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => t.EncodeToIds(text, addSpecialTokens: true, maxLength: 1));
        }
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
