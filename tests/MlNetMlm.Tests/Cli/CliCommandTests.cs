using System.Text.Json;
using MlNetMlm.Metrics;
using MlNetMlm.Training;

namespace MlNetMlm.Tests.Cli;

/// <summary>
/// The <c>mlnet-mlm</c> commands end to end with tiny budgets: each command's happy path and its bad inputs.
/// One tiny model is trained once (by the <c>train</c> command) and shared by the model-reading tests.
/// </summary>
[TestClass]
public sealed partial class CliCommandTests
{
    private static TempFiles s_files = null!;
    private static string s_data = null!;
    private static string s_trainDir = null!;
    private static string s_zip = null!;
    private static CliRun.Result s_train = null!;

    private static readonly string[] Sentences =
    [
        "The sun is a star at the centre of our solar system.",
        "A comet is a ball of ice and dust that orbits the sun.",
        "The moon pulls on the sea and makes the tides.",
        "Our galaxy is a spiral of stars, gas and dust.",
        "A black hole bends light that passes close to it.",
        "Plants turn sunlight, water and air into sugar.",
    ];

    /// <summary>Nested ELI5-shaped JSONL: the text is the list answers.text.</summary>
    private static string Eli5Line(int i) => JsonSerializer.Serialize(new
    {
        q_id = $"q{i}",
        title = $"Question {i}?",
        answers = new { a_id = new[] { $"a{i}-0", $"a{i}-1" }, text = new[] { Sentences[i % Sentences.Length], Sentences[(i + 1) % Sentences.Length] } },
    });

    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        s_files = new TempFiles();
        s_data = s_files.Write("train.jsonl", string.Join('\n', Enumerable.Range(0, 40).Select(Eli5Line)) + "\n");
        s_trainDir = s_files.PathOf("run");
        s_train = CliRun.InProcess("train", "--data", s_data, "--text-column", "answers.text", "--size", "tiny", "--output", s_trainDir,
            "--max-steps", "4", "--batch-size", "4", "--block-size", "32", "--lr", "1e-3", "--eval-fraction", "0.25", "--logging-steps", "2", "--save-steps", "2");
        s_zip = Path.Combine(s_trainDir, "model.zip");
        // Most tests read this run's model: if it failed, every test of the class fails with its own error instead
        // of each reporting an unrelated symptom.
        if (s_train.ExitCode != 0 || !File.Exists(s_zip))
        {
            s_files.Dispose();
            Assert.Fail($"the shared training run of {nameof(CliCommandTests)} (ClassInitialize) failed:\n{s_train}");
        }
    }

    [ClassCleanup]
    public static void Cleanup() => s_files?.Dispose();

    private static string Tiny(string name) => RepoPaths.RequireShared("hf-reference", name);

    // ---- train ----

    [TestMethod]
    public void TrainOnNestedJsonlWritesEveryOutput()
    {
        Assert.AreEqual(0, s_train.ExitCode, s_train.ToString());
        foreach (var file in new[] { "model.zip", "metrics.json", "loss.png", "hf/config.json", "hf/model.safetensors", "hf/vocab.json", "hf/merges.txt", "hf/README.md" })
            Assert.IsTrue(File.Exists(Path.Combine(s_trainDir, file)), $"{file} missing\n{s_train}");
        Assert.IsTrue(Directory.GetDirectories(Path.Combine(s_trainDir, "checkpoints"), "checkpoint-*").Length > 0);
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(Path.Combine(s_trainDir, "loss.png"))[..4]);
        var metrics = TrainingMetrics.FromJson(File.ReadAllText(Path.Combine(s_trainDir, "metrics.json")));
        Assert.AreEqual(4, metrics.TotalSteps);
        Assert.IsTrue(metrics.Evaluations.Count >= 2, "evaluated before and after training");
        StringAssert.Contains(s_train.Output, "JSONL field 'answers.text'");
        StringAssert.Contains(s_train.Output, "step 4/4");
        StringAssert.Contains(s_train.Output, "eval at step 0");
    }

    /// <summary>A config.json for a one-layer, 32-wide model from scratch (trains in well under a second per step).</summary>
    private static string TinyConfig(TempFiles files) => files.Write("config.json", """
        {"model_type":"roberta","vocab_size":50262,"hidden_size":32,"num_hidden_layers":1,"num_attention_heads":2,
         "intermediate_size":64,"max_position_embeddings":34}
        """);

    [TestMethod]
    public void TrainReadsCsvWithATinyConfig()
    {
        using var files = new TempFiles();
        string config = TinyConfig(files);
        string csv = files.Write("data.csv", "id,body\n" + string.Join('\n', Enumerable.Range(0, 30).Select(i => $"{i},\"{Sentences[i % 6].Replace("sun", "\"\"sun\"\"")}\"")) + "\n");
        var fromCsv = CliRun.InProcess("train", "--data", csv, "--text-column", "body", "--config", config, "--output", files.PathOf("csv"),
            "--max-steps", "2", "--batch-size", "4", "--block-size", "32", "--eval-fraction", "0");
        Assert.AreEqual(0, fromCsv.ExitCode, fromCsv.ToString());
        StringAssert.Contains(fromCsv.Output, "CSV column 'body'");
        StringAssert.Contains(File.ReadAllText(Path.Combine(files.PathOf("csv"), "hf", "config.json")), "\"hidden_size\": 32");
    }

    [TestMethod]
    public void TrainBadInputsAreOneClearLine()
    {
        using var files = new TempFiles();
        string Out() => files.PathOf(Guid.NewGuid().ToString("N"));
        string OneLine(CliRun.Result run, string names) => CliRun.AssertOneLineError(run, names, "train");

        OneLine(CliRun.InProcess("train", "--data", files.PathOf("nope.jsonl"), "--output", Out()), "nope.jsonl' not found");

        string badLine = files.Write("bad.jsonl", Eli5Line(0) + "\n" + Eli5Line(1) + "\n{\"q_id\": \"x\", \"answers\": \n");
        string[] bad = ["train", "--data", badLine, "--text-column", "answers.text", "--size", "tiny"];
        OneLine(CliRun.InProcess([.. bad, "--output", Out()]), "bad.jsonl:3:"); // file:line:column, no stack trace

        string noColumn = OneLine(CliRun.InProcess("train", "--data", s_data, "--text-column", "answers.body", "--output", Out()), "column 'answers.body' not found");
        StringAssert.Contains(noColumn, "answers.text");
        StringAssert.Contains(noColumn, "q_id");

        string csv = files.Write("h.csv", "id,body\n1,hello\n");
        OneLine(CliRun.InProcess("train", "--data", csv, "--output", Out()), "h.csv:1: the header has no column 'text'; columns present: id, body");

        string shortRow = files.Write("s.csv", "id,body\n1,hello\n2\n");
        OneLine(CliRun.InProcess("train", "--data", shortRow, "--text-column", "body", "--size", "tiny", "--output", Out(), "--eval-fraction", "0"), "s.csv:3:");

        // An option-parser error (the parser's own wording and help): standard error and exit 1 too.
        var both = CliRun.InProcess("train", "--data", s_data, "--model", "a", "--config", "b", "--output", Out());
        Assert.AreEqual(1, both.ExitCode, both.ToString());
        StringAssert.Contains(both.Error, "not both");
        OneLine(CliRun.InProcess("train", "--data", s_data, "--output", s_trainDir), "--overwrite");

        var verbose = CliRun.InProcess([.. bad, "--output", Out(), "--verbose"]);
        Assert.AreEqual(1, verbose.ExitCode, verbose.ToString());
        StringAssert.Contains(verbose.Error.Split('\n')[0], "bad.jsonl:3:", "the same one line first");
        StringAssert.Contains(verbose.Error, "   at ", "--verbose prints the stack trace");
    }

    [TestMethod]
    public void InterruptedTrainingSavesACheckpointAndResumes()
    {
        using var files = new TempFiles();
        string output = files.PathOf("run");
        string[] args = ["train", "--data", s_data, "--text-column", "answers.text", "--size", "tiny", "--output", output,
            "--max-steps", "4", "--batch-size", "4", "--block-size", "32", "--eval-fraction", "0", "--save-steps", "100"];
        using var interrupt = new CancellationTokenSource();
        var stopped = CliRun.InProcess(args, p => { if (!p.IsEvaluation && p.Step == 2) interrupt.Cancel(); }, interrupt);
        Assert.AreEqual(130, stopped.ExitCode, stopped.ToString());
        StringAssert.Contains(stopped.Error, "--resume latest");
        Assert.IsTrue(Directory.Exists(Path.Combine(output, "checkpoints", "checkpoint-2")), stopped.ToString());
        Assert.IsFalse(File.Exists(Path.Combine(output, "model.zip")));

        var resumed = CliRun.InProcess([.. args, "--resume", "latest"]);
        Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
        Assert.IsFalse(resumed.Output.Contains("step 1/4"), "resumed after step 2, not from the start");
        StringAssert.Contains(resumed.Output, "step 4/4");
        Assert.AreEqual(4, TrainingMetrics.FromJson(File.ReadAllText(Path.Combine(output, "metrics.json"))).TotalSteps);
    }

    // ---- demo ----

    [TestMethod]
    public void DemoRunsTheWholeJobAndFillsMaskFromTheSavedZip()
    {
        using var files = new TempFiles();
        string output = files.PathOf("demo");
        var demo = CliRun.InProcess("demo", "--size", "tiny", "--steps", "3", "--output", output);
        Assert.AreEqual(0, demo.ExitCode, demo.ToString());
        foreach (var file in new[] { "model.zip", "metrics.json", "loss.png", "hf/config.json", "hf/model.safetensors" })
            Assert.IsTrue(File.Exists(Path.Combine(output, file)), $"{file} missing\n{demo}");
        Assert.IsFalse(Directory.Exists(Path.Combine(output, "checkpoints")), "the demo writes no checkpoints");
        StringAssert.Contains(demo.Output, "63 questions to train on, 7 held out");
        StringAssert.Contains(demo.Output, "Why these guesses", "the demo explains its top 5 where it prints them");
        StringAssert.Contains(demo.Output, "mlnet-mlm train --model");
        StringAssert.Contains(demo.Output, "masked accuracy");
        StringAssert.Contains(demo.Output, Path.Combine(output, "model.zip"));

        // The demo's table is what the saved model predicts: fill-mask on the zip prints the same rows.
        var table = CliRun.InProcess("fill-mask", "--model", Path.Combine(output, "model.zip"), "The Milky Way is a <mask> galaxy.");
        Assert.AreEqual(0, table.ExitCode, table.ToString());
        StringAssert.Contains(demo.Output, table.Output.TrimEnd());

        CliRun.AssertOneLineError(CliRun.InProcess("demo", "--size", "tiny", "--steps", "1", "--output", output), "is not empty; pass --overwrite", "demo");
    }

    [TestMethod]
    public void SampleWritesTheEmbeddedDataAndRefusesToOverwrite()
    {
        using var files = new TempFiles();
        string path = files.PathOf("eli5.jsonl");
        var sample = CliRun.InProcess("sample", "--output", path);
        Assert.AreEqual(0, sample.ExitCode, sample.ToString());
        Assert.AreEqual(70, File.ReadLines(path).Count(l => l.Length > 0));
        StringAssert.Contains(File.ReadLines(path).First(), "\"answers\"");
        CliRun.AssertOneLineError(CliRun.InProcess("sample", "--output", path), "--overwrite", "sample");
    }

    // ---- fill-mask ----

    [TestMethod]
    public void FillMaskJsonHasTheShapeAndValuesOfHfsPipeline()
    {
        string dir = Tiny("tiny-a");
        string reference = Tiny("tiny-a.reference.jsonl");
        var expected = File.ReadLines(reference).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var texts = expected.Select(e => e.GetProperty("text").GetString()!).ToArray();
        var run = CliRun.InProcess(["fill-mask", "--model", dir, "--json", .. texts]);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int compared = 0;
        HfParity.AssertLists(expected, lines, "fill-mask --json lines", (hf, line, at) =>
        {
            var ours = JsonDocument.Parse(line).RootElement;
            var want = hf.GetProperty("fill_mask_pipeline");
            Assert.AreEqual(want[0].ValueKind, ours[0].ValueKind, $"{at}: one mask is a list of candidates, several a list per mask");
            compared += HfParity.AssertFillMask(HfCandidate.PerMask(want, at), HfCandidate.PerMask(ours, at), at);
        });
        Console.WriteLine($"fill-mask --json: {compared} candidates over {texts.Length} texts match HF's pipeline.");
    }

    [TestMethod]
    public void FillMaskTableTargetsInputFileAndBadInputs()
    {
        using var files = new TempFiles();
        var table = CliRun.InProcess("fill-mask", "--model", s_zip, "--top-k", "3", "The sun is a <mask>.");
        Assert.AreEqual(0, table.ExitCode, table.ToString());
        StringAssert.Contains(table.Output, "score");
        Assert.AreEqual(3, table.Output.Split('\n').Count(l => l.TrimStart().StartsWith("1 ") || l.TrimStart().StartsWith("2 ") || l.TrimStart().StartsWith("3 ")));

        var targeted = CliRun.InProcess("fill-mask", "--model", s_zip, "--json", "--targets", " star, moon", "The sun is a <mask>.");
        Assert.AreEqual(0, targeted.ExitCode, targeted.ToString());
        var candidates = JsonDocument.Parse(targeted.Output).RootElement.EnumerateArray().Select(c => c.GetProperty("token_str").GetString()).ToList();
        CollectionAssert.AreEquivalent(new[] { " star", " moon" }, candidates, "targets are split on commas, not trimmed (HF: a leading space is part of the word)");

        string input = files.Write("in.jsonl", "\"The <mask> orbits the sun.\"\n{\"text\": \"A <mask> of <mask>.\"}\n");
        var fromFile = CliRun.InProcess("fill-mask", "--model", s_zip, "--json", "--input", input);
        Assert.AreEqual(0, fromFile.ExitCode, fromFile.ToString());
        var rows = fromFile.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.AreEqual(JsonValueKind.Object, rows[0][0].ValueKind, "one mask: an array of candidates");
        Assert.AreEqual(JsonValueKind.Array, rows[1][0].ValueKind, "two masks: an array per mask");
        Assert.AreEqual(2, rows[1].GetArrayLength());

        CliRun.AssertOneLineError(CliRun.InProcess("fill-mask", "--model", s_zip, "No mask here."), "text 1 has no <mask>", "fill-mask");

        string bad = files.Write("bad.jsonl", "\"ok <mask>\"\n[1,2]\n");
        CliRun.AssertOneLineError(CliRun.InProcess("fill-mask", "--model", s_zip, "--input", bad), "bad.jsonl:2:", "fill-mask");

        CliRun.AssertOneLineError(CliRun.InProcess("fill-mask", "--model", files.PathOf("none.zip"), "a <mask>"), "none.zip' not found", "fill-mask");
    }

    [TestMethod]
    public void FreshProcessFillMaskMatchesInProcess()
    {
        string[] args = ["fill-mask", "--model", s_zip, "--json", "--top-k", "4", "The moon pulls on the <mask>.", "A <mask> is a ball of <mask>."];
        var inProcess = CliRun.InProcess(args);
        Assert.AreEqual(0, inProcess.ExitCode, inProcess.ToString());
        var fresh = CliRun.FreshProcess(args);
        Assert.AreEqual(0, fresh.ExitCode, fresh.ToString());
        Assert.AreEqual(inProcess.Output.ReplaceLineEndings("\n"), fresh.Output.ReplaceLineEndings("\n"));
        Assert.AreEqual(2, fresh.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    // ---- evaluate ----

    [TestMethod]
    public void EvaluateIsSeededAndReportsLossPerplexityAccuracy()
    {
        string[] args = ["evaluate", "--model", s_zip, "--data", s_data, "--text-column", "answers.text", "--block-size", "32", "--json"];
        var first = CliRun.InProcess(args);
        Assert.AreEqual(0, first.ExitCode, first.ToString());
        var r = JsonDocument.Parse(first.Output).RootElement;
        double loss = r.GetProperty("eval_loss").GetDouble();
        Assert.AreEqual(Math.Exp(loss), r.GetProperty("perplexity").GetDouble(), 1e-9 * Math.Exp(loss));
        Assert.IsTrue(r.GetProperty("masked_tokens").GetInt64() > 0);
        Assert.AreEqual(first.Output, CliRun.InProcess(args).Output, "same seed, same masks, same numbers");
        Assert.AreNotEqual(first.Output, CliRun.InProcess([.. args, "--seed", "7"]).Output, "another seed masks other positions");

        var human = CliRun.InProcess("evaluate", "--model", s_zip, "--data", s_data, "--text-column", "answers.text", "--block-size", "32");
        StringAssert.Contains(human.Output, "perplexity");

        CliRun.AssertOneLineError(CliRun.InProcess("evaluate", "--model", s_zip, "--data", s_data), "column 'text' not found", "evaluate");
        CliRun.AssertOneLineError(CliRun.InProcess("evaluate", "--model", s_zip, "--data", s_data, "--text-column", "answers.text", "--block-size", "4000"),
            "longer than the model takes", "evaluate");
    }

    // ---- export and info ----

    [TestMethod]
    public void ExportWritesAHfFolderThatPredictsLikeTheZip()
    {
        using var files = new TempFiles();
        string hf = files.PathOf("hf");
        var export = CliRun.InProcess("export", "--model", s_zip, "--hf", hf);
        Assert.AreEqual(0, export.ExitCode, export.ToString());
        foreach (var file in new[] { "config.json", "model.safetensors", "vocab.json", "merges.txt", "README.md" })
            Assert.IsTrue(File.Exists(Path.Combine(hf, file)), file);
        string[] ask = ["--json", "The sun is a <mask>."];
        Assert.AreEqual(CliRun.InProcess(["fill-mask", "--model", s_zip, .. ask]).Output, CliRun.InProcess(["fill-mask", "--model", hf, .. ask]).Output);

        CliRun.AssertOneLineError(CliRun.InProcess("export", "--model", s_zip, "--hf", hf), "--overwrite", "export");
        Assert.AreEqual(0, CliRun.InProcess("export", "--model", s_zip, "--hf", hf, "--overwrite").ExitCode);
    }

    [TestMethod]
    public void InfoShowsConfigParametersTokenizerAndTraining()
    {
        var info = CliRun.InProcess("info", "--model", s_zip);
        Assert.AreEqual(0, info.ExitCode, info.ToString());
        // tiny: 2 layers, hidden 64, intermediate 128, 130 positions, 50,262 ids; decoder tied to the embeddings.
        long h = 64, inter = 128, v = 50262, layers = 2;
        long embeddings = v * h + 130 * h + 2 * h + 2 * h;
        long layer = 4 * (h * h + h) + 2 * h + (h * inter + inter) + (inter * h + h) + 2 * h;
        long head = h * h + h + 2 * h + v;
        StringAssert.Contains(info.Output, $"Parameters       {embeddings + layers * layer + head:N0}");
        StringAssert.Contains(info.Output, "<s>=0 <pad>=1 </s>=2 <unk>=3 <mask>=50261");
        StringAssert.Contains(info.Output, "4 steps");
        StringAssert.Contains(info.Output, "eval loss");

        using var files = new TempFiles();
        Directory.CreateDirectory(files.PathOf("empty"));
        CliRun.AssertOneLineError(CliRun.InProcess("info", "--model", files.PathOf("empty")), "without config.json", "info");
    }

    // ---- damaged inputs (issue 15) ----

    /// <summary>A damaged optimizer.bin at --resume latest: the file and what was expected are named, and the intact earlier checkpoint offered.</summary>
    [TestMethod]
    public void DamagedOptimizerAtResumeNamesTheFileAndAnIntactCheckpoint()
    {
        using var files = new TempFiles();
        var damages = new Dictionary<string, Func<byte[], byte[]>>
        {
            ["truncated"] = b => b[..(b.Length / 2)],
            ["empty"] = _ => [],
            ["random"] = b => { var r = new byte[b.Length]; new Random(5).NextBytes(r); return r; },
        };
        foreach (var (damage, change) in damages)
        {
            string run = files.PathOf("resume-" + damage);
            CopyFolder(s_trainDir, run);
            string latest = Path.Combine(run, "checkpoints", "checkpoint-4"), optimizer = Path.Combine(latest, "optimizer.bin");
            File.WriteAllBytes(optimizer, change(File.ReadAllBytes(optimizer)));
            var result = CliRun.InProcess("train", "--data", s_data, "--text-column", "answers.text", "--size", "tiny", "--output", run,
                "--max-steps", "6", "--batch-size", "4", "--block-size", "32", "--resume", "latest");
            Assert.AreEqual(1, result.ExitCode, $"{damage}: {result}");
            StringAssert.Contains(result.Error, optimizer, damage);
            StringAssert.Contains(result.Error, "AdamW state", damage);
            StringAssert.Contains(result.Error, $"--resume '{Path.Combine(run, "checkpoints", "checkpoint-2")}'", damage);
            Assert.IsFalse(result.Error.Contains("past the end of the stream") && !result.Error.Contains(optimizer), damage);
        }
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (string dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
    }

    [TestMethod]
    public void LearningRateTooLargeForFloatNamesTheOption()
    {
        using var files = new TempFiles();
        var result = CliRun.InProcess("train", "--data", s_data, "--text-column", "answers.text", "--size", "tiny", "--output", files.PathOf("lr"), "--lr", "1e39");
        Assert.AreEqual(1, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "--lr");
        Assert.IsFalse(Directory.Exists(files.PathOf("lr")));
    }

    /// <summary>An error before any work (here a missing column) leaves no empty --output folder behind.</summary>
    [TestMethod]
    public void EarlyErrorLeavesNoEmptyOutputFolder()
    {
        using var files = new TempFiles();
        string data = files.Write("mixed.jsonl", "{\"text\": \"one two three\"}\n{\"text\": 12345}\n");
        string output = files.PathOf("never");
        var result = CliRun.InProcess("train", "--data", data, "--size", "tiny", "--output", output, "--eval-fraction", "0");
        Assert.AreEqual(1, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "mixed.jsonl:2:10: field 'text' is a number here but a string");
        Assert.IsFalse(Directory.Exists(output), "the output folder was left behind");
    }

    private sealed class BodyRow
    {
        [Microsoft.ML.Data.ColumnName("body")] public string Body { get; set; } = "";
    }

    private sealed class BlockRow
    {
        [Microsoft.ML.Data.ColumnName("input_ids"), Microsoft.ML.Data.VectorType] public int[] Ids { get; set; } = [];
    }

    /// <summary>fill-mask --input reads every format train reads, through the library's loaders; bare JSON strings stay texts.</summary>
    [TestMethod]
    public void FillMaskInputTakesEveryFormatTrainTakes()
    {
        using var files = new TempFiles();
        string[] texts = ["The <mask> orbits the sun.", "A <mask> of stars."];
        List<string> Filled(params string[] args)
        {
            var run = CliRun.InProcess(["fill-mask", "--model", s_zip, "--json", "--top-k", "2", .. args]);
            Assert.AreEqual(0, run.ExitCode, run.ToString());
            return run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        }
        var expected = Filled(texts);
        Assert.AreEqual(2, expected.Count);

        var ml = new Microsoft.ML.MLContext(seed: 1);
        string parquet = files.PathOf("texts.parquet");
        MlNetMlm.DataCatalogExtensions.SaveAsParquet(ml.Data, ml.Data.LoadFromEnumerable(texts.Select(t => new BodyRow { Body = t })), parquet);
        var inputs = new (string Path, string[] Extra)[]
        {
            (files.Write("mixed.jsonl", $"\"{texts[0]}\"\n\n{{\"text\": \"{texts[1]}\", \"id\": 2}}\n"), []),
            (files.WriteGzip("mixed.jsonl.gz", $"\"{texts[0]}\"\n{{\"text\": \"{texts[1]}\"}}\n"), []),
            (files.Write("array.json", $"[\"{texts[0]}\", {{\"text\": \"{texts[1]}\"}}]"), []),
            (files.Write("nested.jsonl", string.Concat(texts.Select(t => $"{{\"q\": {{\"body\": \"{t}\"}}}}\n"))), ["--text-column", "q.body"]),
            (files.Write("lines.txt", $"{texts[0]}\n\n{texts[1]}\n"), []),
            (files.Write("texts.csv", $"id,text\n1,{texts[0]}\n2,{texts[1]}\n"), []),
            (files.Write("texts.data", $"{texts[0]}\n{texts[1]}\n"), ["--format", "text"]),
            (parquet, ["--text-column", "body"]),
        };
        foreach (var (path, extra) in inputs)
            CollectionAssert.AreEqual(expected, Filled(["--input", path, .. extra]), Path.GetFileName(path));

        // Bad inputs: one line naming file, line and column (or row), what was expected.
        CliRun.AssertOneLineError(CliRun.InProcess("fill-mask", "--model", s_zip, "--input", files.Write("bad.jsonl", "\"ok <mask>\"\n  {\"text\": 5}\n")),
            "bad.jsonl:2:12: field 'text' is a number here but a string", "fill-mask");
        CliRun.AssertOneLineError(CliRun.InProcess("fill-mask", "--model", s_zip, "--input", files.Write("list.jsonl", "\"ok <mask>\"\n[1, 2]\n")),
            "list.jsonl:2:1: expected a JSON object ('{') or string, found an array", "fill-mask");
        CliRun.AssertOneLineError(CliRun.InProcess("fill-mask", "--model", s_zip, "--input", files.Write("body.jsonl", "{\"body\": \"a <mask>\"}\n")),
            "column 'text' not found", "fill-mask");
        CliRun.AssertOneLineError(CliRun.InProcess("fill-mask", "--model", s_zip, "--input", files.Write("nomask.txt", "a <mask>\nno mask here\n")),
            "nomask.txt row 2 has no <mask>: \"no mask here\"", "fill-mask");
        string blocks = files.PathOf("blocks.parquet");
        MlNetMlm.DataCatalogExtensions.SaveAsParquet(ml.Data, ml.Data.LoadFromEnumerable(new[] { new BlockRow { Ids = [0, 5, 2] } }), blocks);
        CliRun.AssertOneLineError(CliRun.InProcess("fill-mask", "--model", s_zip, "--input", blocks), "holds prepared blocks", "fill-mask");
        CliRun.AssertOneLineError(CliRun.InProcess("fill-mask", "--model", s_zip, "--input", files.Write("x.bin", "a <mask>\n")), "the extension does not say the format", "fill-mask");
        CliRun.AssertOneLineError(CliRun.InProcess("fill-mask", "--model", s_zip, "--text-column", "body", "a <mask>"), "give --input FILE", "mlnet-mlm fill-mask");
    }

    /// <summary>fill-mask --input follows train's UTF-8 rule: invalid bytes are refused with file:line:column, not read as U+FFFD.</summary>
    [TestMethod]
    public void FillMaskInputRefusesInvalidUtf8LikeTrain()
    {
        using var files = new TempFiles();
        string input = files.PathOf("texts.jsonl");
        File.WriteAllBytes(input, [.. "\"The sun is a <mask>.\"\n"u8, .. "\"caf"u8, 0xE9, .. " <mask>\"\n"u8]);
        var result = CliRun.InProcess("fill-mask", "--model", s_zip, "--input", input);
        Assert.AreEqual(1, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, $"{input}:2:5: the line is not valid UTF-8"); // the library's rule, train's words: file:line:column
        string data = files.PathOf("data.jsonl");
        File.WriteAllBytes(data, [.. "{\"text\": \"The sun is a star.\"}\n"u8, .. "{\"text\": \"caf"u8, 0xE9, .. "\"}\n"u8]);
        var train = CliRun.InProcess("train", "--data", data, "--size", "tiny", "--output", files.PathOf("t"), "--eval-fraction", "0");
        Assert.AreEqual(1, train.ExitCode, train.ToString());
        StringAssert.Contains(train.Error, $"{data}:2:");
        StringAssert.Contains(train.Error, "the line is not valid UTF-8");
    }

    /// <summary>A NaN score (a model with NaN weights) is written as JSON null, not a serializer failure.</summary>
    [TestMethod]
    public void NaNScoresAreWrittenAsNull()
    {
        var json = MlNetMlm.FillMask.FillMaskJson.Serialize((IReadOnlyList<IReadOnlyList<MlNetMlm.FillMask.FillMaskCandidate>>)[[new MlNetMlm.FillMask.FillMaskCandidate(float.NaN, 5, " a", "x a"), new MlNetMlm.FillMask.FillMaskCandidate(0.5f, 6, " b", "x b")]]);
        using var doc = JsonDocument.Parse(json);
        Assert.AreEqual(JsonValueKind.Null, doc.RootElement[0].GetProperty("score").ValueKind);
        Assert.AreEqual(0.5, doc.RootElement[1].GetProperty("score").GetDouble());
    }
}
