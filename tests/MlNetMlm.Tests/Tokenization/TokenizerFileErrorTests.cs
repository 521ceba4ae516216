using MlNetMlm.Tokenization;

namespace MlNetMlm.Tests.Tokenization;

/// <summary>Malformed or missing tokenizer files give errors that name the file and the place.</summary>
[TestClass]
public sealed class TokenizerFileErrorTests
{
    private const string GoodVocab = """{"<s>":0,"<pad>":1,"</s>":2,"<unk>":3,"a":4,"b":5,"ab":6,"<mask>":7}""";
    private const string GoodMerges = "#version: 0.2\na b\n";

    private string _dir = "";

    [TestInitialize]
    public void MakeFolder() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "mlnetmlm-tok-" + Guid.NewGuid().ToString("N")));

    [TestCleanup]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    private RobertaTokenizer Load(string vocab, string merges)
    {
        File.WriteAllText(Path.Combine(_dir, "vocab.json"), vocab);
        File.WriteAllText(Path.Combine(_dir, "merges.txt"), merges);
        return RobertaTokenizer.FromDirectory(_dir);
    }

    [TestMethod]
    public void ATinyWellFormedFolderWorks()
    {
        var tokenizer = Load(GoodVocab, GoodMerges);
        CollectionAssert.AreEqual(new[] { 0, 6, 7, 2 }, tokenizer.EncodeToIds("ab <mask>"));
    }

    [TestMethod]
    public void InvalidVocabularyJsonNamesFileAndLine()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Load("{\"<s>\":0,\n\"a\":4,\n\"b\" 5}", GoodMerges));
        StringAssert.Contains(e.Message, "vocab.json");
        StringAssert.Contains(e.Message, "line 3");
    }

    [TestMethod]
    public void NonIntegerIdNamesTheToken()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Load(GoodVocab.Replace("\"b\":5", "\"b\":\"five\""), GoodMerges));
        StringAssert.Contains(e.Message, "vocab.json");
        StringAssert.Contains(e.Message, "\"b\"");
    }

    [TestMethod]
    public void MalformedMergeLineNamesFileAndLine()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Load(GoodVocab, "#version: 0.2\na b\nab\n"));
        StringAssert.Contains(e.Message, "merges.txt, line 3");
    }

    [TestMethod]
    public void MergeOfUnknownTokenNamesLineAndToken()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Load(GoodVocab, "#version: 0.2\na b\nb z\n"));
        StringAssert.Contains(e.Message, "merges.txt, line 3");
        StringAssert.Contains(e.Message, "\"z\"");
    }

    [TestMethod]
    public void MissingSpecialTokenIsNamed()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Load(GoodVocab.Replace(",\"<mask>\":7", ""), GoodMerges));
        StringAssert.Contains(e.Message, "vocab.json");
        StringAssert.Contains(e.Message, "<mask>");
    }

    [TestMethod]
    public void MissingFilesAndFoldersAreNamed()
    {
        var noFiles = Assert.ThrowsExactly<FileNotFoundException>(() => RobertaTokenizer.FromDirectory(_dir));
        StringAssert.Contains(noFiles.Message, "tokenizer.json");
        string missing = Path.Combine(_dir, "nope");
        var noDir = Assert.ThrowsExactly<DirectoryNotFoundException>(() => RobertaTokenizer.FromDirectory(missing));
        StringAssert.Contains(noDir.Message, missing);
        var noVocab = Assert.ThrowsExactly<FileNotFoundException>(() => RobertaTokenizer.FromFiles(Path.Combine(_dir, "vocab.json"), Path.Combine(_dir, "merges.txt")));
        StringAssert.Contains(noVocab.Message, "vocab.json");
    }

    [TestMethod]
    public void TokenizerJsonAloneIsReadWithPairMergesAndAddedTokens()
    {
        string json = """
            {"added_tokens":[{"id":7,"content":"<mask>","lstrip":true,"rstrip":false,"special":true},
                             {"id":0,"content":"<s>","special":true},{"id":2,"content":"</s>","special":true}],
             "model":{"type":"BPE","vocab":{"<s>":0,"<pad>":1,"</s>":2,"<unk>":3,"a":4,"b":5,"ab":6,"<mask>":7},"merges":[["a","b"]]}}
            """;
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), json);
        var tokenizer = RobertaTokenizer.FromDirectory(_dir);
        CollectionAssert.AreEqual(new[] { 0, 6, 7, 2 }, tokenizer.EncodeToIds("ab <mask>"));

        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), """{"model":{"type":"WordPiece","vocab":{}}}""");
        var e = Assert.ThrowsExactly<InvalidDataException>(() => RobertaTokenizer.FromDirectory(_dir));
        StringAssert.Contains(e.Message, "tokenizer.json");
        StringAssert.Contains(e.Message, "WordPiece");
    }

    [TestMethod]
    public void TokenizerJsonSettingsThatWouldChangeIdsAreRefused()
    {
        string Json(string extra) => "{" + extra + """ "model":{"type":"BPE","vocab":{"<s>":0,"<pad>":1,"</s>":2,"<unk>":3,"<mask>":4}}}""";
        foreach (var (extra, expected) in new[]
        {
            ("\"normalizer\":{\"type\":\"NFC\"},", "normalizer"),
            ("\"pre_tokenizer\":{\"type\":\"Whitespace\"},", "Whitespace"),
            ("\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":true},", "add_prefix_space"),
        })
        {
            File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), Json(extra));
            var e = Assert.ThrowsExactly<InvalidDataException>(() => RobertaTokenizer.FromDirectory(_dir), extra);
            StringAssert.Contains(e.Message, expected);
        }
        File.WriteAllText(Path.Combine(_dir, "tokenizer.json"), Json("\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false},"));
        Assert.AreEqual(4, RobertaTokenizer.FromDirectory(_dir).MaskId);
    }
}
