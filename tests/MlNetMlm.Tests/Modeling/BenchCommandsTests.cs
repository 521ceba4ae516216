using System.Text.Json;
using MlNetMlm.Cli.Commands;
using MlNetMlm.Modeling;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Tests.Modeling;

/// <summary>The <c>bench train / tokenizer / prep / fillmask</c> commands on tiny inputs: they run and report what bench/run_all.py reads.</summary>
[TestClass]
public sealed class BenchCommandsTests
{
    private static JsonElement RunJson(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = MlNetMlm.Cli.Program.Run(args, output, error);
        Assert.AreEqual(0, code, output + error.ToString());
        using var doc = JsonDocument.Parse(output.ToString());
        return doc.RootElement.Clone();
    }

    [TestMethod]
    public void TrainBenchRunsFullStepsAndReportsFlops()
    {
        var r = RunJson("bench", "train", "--shape", "tiny", "--layers", "1", "--hidden", "16", "--heads", "2", "--intermediate", "32", "--vocab-size", "200",
            "--batch-size", "2", "--seq-len", "16", "--steps", "2", "--warmup-steps", "1", "--matmul-peak", "off", "--json");
        Assert.AreEqual(1, r.GetProperty("layers").GetInt32());
        Assert.AreEqual(16, r.GetProperty("hidden").GetInt32());
        Assert.AreEqual(200, r.GetProperty("vocab_size").GetInt32());
        Assert.IsTrue(r.GetProperty("tokens_per_second").GetDouble() > 0);
        Assert.IsTrue(r.GetProperty("step_seconds_median").GetDouble() > 0);
        Assert.IsTrue(r.GetProperty("flops_per_step").GetDouble() > 0);
        if (OperatingSystem.IsLinux()) Assert.IsTrue(r.GetProperty("peak_rss_bytes").GetInt64() > 0);
    }

    [TestMethod]
    public void TrainBenchStepsTheOptimizer()
    {
        // Without dropout the same batch gives the same loss every step unless the weights change: a loss that
        // moves is AdamW's doing (with dropout on, as in the shapes' defaults, it would move anyway).
        using var temp = new TempFiles();
        string config = temp.Write("config.json", """
            {"model_type":"roberta","vocab_size":200,"hidden_size":16,"num_hidden_layers":1,"num_attention_heads":2,"intermediate_size":32,
             "max_position_embeddings":40,"type_vocab_size":1,"hidden_dropout_prob":0.0,"attention_probs_dropout_prob":0.0}
            """);
        var r = RunJson("bench", "train", "--shape", config, "--batch-size", "2", "--seq-len", "16", "--steps", "3", "--warmup-steps", "1",
            "--matmul-peak", "off", "--json");
        Assert.AreEqual(0.0, r.GetProperty("attention_dropout").GetDouble());
        double first = r.GetProperty("first_loss").GetDouble(), last = r.GetProperty("last_loss").GetDouble();
        Console.WriteLine($"loss {first} → {last} over 4 AdamW steps on one batch");
        Assert.IsTrue(last < first, $"the optimizer lowers the loss on the batch it trains on: {first} → {last}");
    }

    [TestMethod]
    public void FlopCountAndBatchMatchThePeerScript()
    {
        // The same figures bench/peers/torch_bench.py computes for distilroberta, 8×128.
        var (ids, labels, labelled) = BenchSupport.Batch(50265, 8, 128);
        Assert.AreEqual(153, labelled);
        Assert.AreEqual(1024, ids.Length);
        Assert.IsTrue(ids.All(id => id is >= 3 and < 50265));
        Assert.AreEqual(labelled, labels.Count(l => l != RobertaForMaskedLM.IgnoreIndex));
        var c = RobertaConfig.DistilRobertaBase();
        Assert.AreEqual(169_656_975_360d, BenchSupport.ForwardFlops(c, 8, 128, 1024));
        Assert.AreEqual(101_382_170_112d, BenchSupport.ForwardFlops(c, 8, 128, 153));
    }

    [TestMethod]
    public void TokenizerBenchWritesTheTokenizersIds()
    {
        using var temp = new TempFiles();
        string corpus = temp.Write("c.jsonl", "{\"a\":{\"t\":[\"Hello world.\",\"Second  part\"]}}\n{\"a\":{\"t\":[\"The Milky Way is a <mask> galaxy.\"]}}\n");
        string ids = temp.PathOf("ids.jsonl");
        var r = RunJson("bench", "tokenizer", "--corpus", corpus, "--field", "a.t", "--passes", "1", "--ids-out", ids, "--json");
        Assert.AreEqual(2, r.GetProperty("records").GetInt32());
        var lines = File.ReadAllLines(ids);
        CollectionAssert.AreEqual(RobertaTokenizer.Default.EncodeToIds("Hello world. Second  part"), JsonSerializer.Deserialize<int[]>(lines[0]));
        CollectionAssert.AreEqual(RobertaTokenizer.Default.EncodeToIds("The Milky Way is a <mask> galaxy."), JsonSerializer.Deserialize<int[]>(lines[1]));
    }

    [TestMethod]
    public void PrepBenchDrainsThePipeline()
    {
        using var temp = new TempFiles();
        string data = temp.PathOf("eli5.jsonl");
        MlNetMlmSamples.WriteEli5(data);
        var r = RunJson("bench", "prep", "--data", data, "--block-size", "32", "--passes", "2", "--json");
        Assert.IsTrue(r.GetProperty("blocks").GetInt64() > 0);
        Assert.AreEqual(r.GetProperty("blocks").GetInt64() * 32, r.GetProperty("tokens").GetInt64());
    }

    [TestMethod]
    public void FillMaskBenchWritesTheInputsForThePeer()
    {
        using var temp = new TempFiles();
        string ids = temp.PathOf("fm.json");
        var r = RunJson("bench", "fillmask", "--shape", "tiny", "--batch", "3", "--runs", "1", "--ids-out", ids, "--json");
        Assert.AreEqual(3, r.GetProperty("batch_size").GetInt32());
        Assert.IsTrue(r.GetProperty("single_latency_ms_median").GetDouble() > 0);
        using var doc = JsonDocument.Parse(File.ReadAllText(ids));
        Assert.AreEqual(3, doc.RootElement.GetProperty("batch").GetArrayLength());
        Assert.AreEqual(RobertaTokenizer.Default.MaskId, doc.RootElement.GetProperty("mask_id").GetInt32());
    }
}
