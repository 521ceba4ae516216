using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.Flatten;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Tests.Workflow;

/// <summary>
/// Load → flatten → join → tokenize over records with several answers each (the ELI5 fixture: three per question),
/// against Hugging Face's Rust tokenizer (npm <c>tokenizers</c>, run at test time through bench/peers/tokenizers_bench.js)
/// on the answers joined with one space, as run_mlm.py joins them.
/// </summary>
[TestClass]
public sealed class JoinedAnswersParityTests
{
    private sealed class Ids
    {
        [ColumnName("input_ids")]
        public int[] Values { get; set; } = [];
    }

    [TestMethod]
    public void Eli5AnswersJoinedMatchHfRustTokenizer()
    {
        string data = RepoPaths.RequireShared("eli5-formats", "eli5-science.jsonl");
        string tokenizerJson = RepoPaths.RequireShared("roberta-base", "tokenizer.json");
        string script = Path.Combine(RepoPaths.Root, "bench", "peers", "tokenizers_bench.js");
        string package = Path.Combine(RepoPaths.Root, "bench", ".peers", "node", "node_modules", "tokenizers", "package.json");
        if (!File.Exists(package))
        {
            string reason = $"SKIPPED: npm tokenizers missing: {package} (install it with: bash bench/install-peers.sh --tokenizers-only)";
            Console.WriteLine(reason);
            Assert.Inconclusive(reason);
        }
        int answersPerRecord = File.ReadLines(data).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("answers").GetProperty("text").GetArrayLength()).Min();
        Assert.IsTrue(answersPerRecord >= 2, "the fixture must hold several answers per record, or nothing is joined");

        using var files = new TempFiles();
        string hfIds = files.PathOf("hf.ids.jsonl");
        var (exit, _, error) = ExternalTool.Run("node", script, "--tokenizer", tokenizerJson, "--corpus", data, "--field", "answers.text", "--passes", "1", "--ids-out", hfIds);
        Assert.AreEqual(0, exit, $"node tokenizers_bench.js failed: {error}");
        var expected = File.ReadLines(hfIds).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<int[]>(l)!).ToList();

        var ml = new MLContext(seed: 1);
        var tokenizer = RobertaTokenizer.FromFiles(RepoPaths.RequireShared("roberta-base", "vocab.json"), RepoPaths.RequireShared("roberta-base", "merges.txt"));
        var raw = ml.Data.LoadFromJsonLines(data);
        var pipeline = ml.Transforms.FlattenJson(FlattenJsonOptions.Eli5())
            .Append(ml.Transforms.Text.JoinText("text", "answers.text"))
            .Append(ml.Transforms.Text.TokenizeRoberta("input_ids", "text", tokenizer));
        var ours = ml.Data.CreateEnumerable<Ids>(pipeline.Fit(raw).Transform(raw), reuseRowObject: false).Select(r => r.Values).ToList();

        int records = HfParity.AssertLists(expected, ours, "ELI5 records", (hf, mine, at) =>
            HfParity.AssertLists(hf, mine, $"{at} ids", (a, b, atId) => Assert.AreEqual(a, b, atId)));
        Console.WriteLine($"{records} records of {answersPerRecord}+ answers joined: ids identical to HF's Rust tokenizer ({expected.Sum(e => e.Length):N0} ids).");
    }
}
