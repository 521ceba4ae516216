using System.Diagnostics;
using System.Text.Json;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Tests.Tokenization;

/// <summary>Our ids against Hugging Face's own, record by record, from both kinds of tokenizer files.</summary>
[TestClass]
public sealed class RobertaTokenizerParityTests
{
    [TestMethod]
    [DataRow("vocab+merges")]
    [DataRow("tokenizer.json")]
    public void EdgeCasesMatchHuggingFace(string fileKind) =>
        AssertAllMatch(ReferenceData.RobertaBase(fileKind), ReferenceData.EdgeCases, ReferenceData.ReadIds("edge-cases.ids.jsonl"), $"edge cases ({fileKind})");

    [TestMethod]
    [DataRow("vocab+merges")]
    [DataRow("tokenizer.json")]
    public void MobyDickMatchesHuggingFace(string fileKind) =>
        AssertAllMatch(ReferenceData.RobertaBase(fileKind), ReferenceData.MobyDick, ReferenceData.ReadIds("moby-dick.ids.jsonl"), $"Moby-Dick ({fileKind})");

    [TestMethod]
    [DataRow("vocab+merges")]
    [DataRow("tokenizer.json")]
    public void SotuAnswersJoinedMatchHuggingFace(string fileKind) =>
        AssertAllMatch(ReferenceData.RobertaBase(fileKind), ReferenceData.SotuJoined, ReferenceData.ReadIds("sotu-answers-joined.ids.jsonl"), $"SOTU answers joined ({fileKind})");

    internal static void AssertAllMatch(RobertaTokenizer tokenizer, IReadOnlyList<string> texts, IReadOnlyList<int[]> expected, string what)
    {
        Assert.AreEqual(expected.Count, texts.Count, $"{what}: reference and input line counts differ");
        var watch = Stopwatch.StartNew();
        int mismatches = 0;
        string? first = null;
        long tokens = 0;
        for (int i = 0; i < texts.Count; i++)
        {
            int[] actual = tokenizer.EncodeToIds(texts[i]);
            tokens += actual.Length;
            if (actual.AsSpan().SequenceEqual(expected[i])) continue;
            mismatches++;
            first ??= DescribeMismatch(i, texts[i], expected[i], actual);
        }
        Console.WriteLine($"{what}: {texts.Count - mismatches}/{texts.Count} records identical, {tokens:N0} tokens in {watch.ElapsedMilliseconds} ms");
        Assert.AreEqual(0, mismatches, $"{what}: {mismatches} of {texts.Count} records differ from Hugging Face. First: {first}");
    }

    private static string DescribeMismatch(int record, string text, int[] expected, int[] actual)
    {
        int at = 0;
        while (at < expected.Length && at < actual.Length && expected[at] == actual[at]) at++;
        string Window(int[] ids) => "[" + string.Join(",", ids.Skip(Math.Max(0, at - 3)).Take(8)) + "]";
        string snippet = text.Length <= 120 ? text : text[..120] + "…";
        return $"record {record + 1} (text {JsonSerializer.Serialize(snippet)}): first difference at token {at}, expected …{Window(expected)} got …{Window(actual)} (lengths {expected.Length} vs {actual.Length})";
    }
}
