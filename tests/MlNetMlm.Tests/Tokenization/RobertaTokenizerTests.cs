using MlNetMlm.Tokenization;

namespace MlNetMlm.Tests.Tokenization;

[TestClass]
public sealed class RobertaTokenizerTests
{
    private static RobertaTokenizer Roberta => ReferenceData.RobertaBaseFromVocabAndMerges;

    [TestMethod]
    public void EmptyTextIsJustTheFrame()
    {
        CollectionAssert.AreEqual(new[] { 0, 2 }, Roberta.EncodeToIds(""));
        CollectionAssert.AreEqual(Array.Empty<int>(), Roberta.EncodeToIds("", addSpecialTokens: false));
        var d = RobertaTokenizer.Default;
        CollectionAssert.AreEqual(new[] { d.BosId, d.EosId }, d.EncodeToIds(""));
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
        int[] spaced = Roberta.EncodeToIds("a <mask> b");
        CollectionAssert.AreEqual(spaced, Roberta.EncodeToIds("a<mask> b"));
        CollectionAssert.AreEqual(spaced, Roberta.EncodeToIds("a \t <mask> b"));
        CollectionAssert.AreNotEqual(spaced, Roberta.EncodeToIds("a <mask>b"), "whitespace after <mask> stays with the next word");
        Assert.AreEqual(1, spaced.Count(id => id == 50264));
        // Only the exact text is the mask token.
        Assert.IsFalse(Roberta.EncodeToIds("<MASK> < mask> <mask").Contains(50264));
        CollectionAssert.AreEqual(new[] { "<s>", "a", "<mask>", "Ġb", "</s>" }, Roberta.EncodeToTokens("a <mask> b"));
    }

    [TestMethod]
    public void LoneSurrogatesAreReadAsReplacementCharacters()
    {
        CollectionAssert.AreEqual(Roberta.EncodeToIds("a\uFFFDb"), Roberta.EncodeToIds("a\uD800b"));
        CollectionAssert.AreEqual(Roberta.EncodeToIds("x \uFFFD"), Roberta.EncodeToIds("x \uDC00"));
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
        foreach (var tokenizer in new[] { RobertaTokenizer.Default, Roberta })
        {
            Assert.AreEqual(text, tokenizer.Decode(tokenizer.EncodeToIds(text, addSpecialTokens: false)));
            Assert.AreEqual("<s>" + text + "</s>", tokenizer.Decode(tokenizer.EncodeToIds(text)));
        }
        Assert.AreEqual("Hello world", Roberta.Decode([0, 31414, 232, 2], skipSpecialTokens: true));
    }

    [TestMethod]
    public void DecodingHalfACharacterGivesReplacementCharacter()
    {
        // "😀" is four UTF-8 bytes, so byte-level BPE spells it with several ids; alone, the first is not valid UTF-8.
        int[] ids = Roberta.EncodeToIds("😀", addSpecialTokens: false);
        Assert.IsTrue(ids.Length > 1, $"expected several byte tokens, got {ids.Length}");
        StringAssert.StartsWith(Roberta.Decode(ids[..1]), "\uFFFD");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Roberta.Decode([-1]));
    }

    [TestMethod]
    public void TruncationKeepsTheClosingToken()
    {
        string text = "one two three four five six seven";
        int[] full = Roberta.EncodeToIds(text);
        int[] cut = Roberta.EncodeToIds(text, addSpecialTokens: true, maxLength: 5);
        CollectionAssert.AreEqual(full[..4].Append(2).ToArray(), cut);
        CollectionAssert.AreEqual(full, Roberta.EncodeToIds(text, addSpecialTokens: true, maxLength: 1000));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Roberta.EncodeToIds(text, addSpecialTokens: true, maxLength: 1));
    }

    [TestMethod]
    public void EncodingIntoABufferReportsTheNeededSize()
    {
        int[] expected = Roberta.EncodeToIds("Hello world");
        Span<int> small = stackalloc int[2];
        Assert.AreEqual(-expected.Length, Roberta.EncodeToIds("Hello world", small));
        Span<int> big = stackalloc int[16];
        int written = Roberta.EncodeToIds("Hello world", big);
        CollectionAssert.AreEqual(expected, big[..written].ToArray());
    }
}
