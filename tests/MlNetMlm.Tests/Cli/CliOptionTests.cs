using System.Text.Json;
using MlNetMlm.Training;

namespace MlNetMlm.Tests.Cli;

/// <summary>
/// The public options of <c>train</c>, <c>evaluate</c> and <c>doctor</c> that have no other test, each shown to act:
/// a run with the option differs from the run without it in the way the option says. Training is deterministic
/// (the resume test checks bit-identical weights), so a difference is the option's doing. Tiny model, few steps.
/// </summary>
public sealed partial class CliCommandTests
{
    private const double Lr = 1e-3;

    /// <summary>train on the shared data with the tiny model; returns the run's metrics.json.</summary>
    private static (CliRun.Result Run, TrainingMetrics Metrics, string Output) Train(string output, params string[] options)
    {
        var run = CliRun.InProcess(["train", "--data", s_data, "--text-column", "answers.text", "--size", "tiny", "--output", output,
            "--batch-size", "4", "--block-size", "32", "--lr", "1e-3", "--eval-fraction", "0.25", "--logging-steps", "1", .. options]);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        return (run, TrainingMetrics.FromJson(File.ReadAllText(Path.Combine(output, "metrics.json"))), output);
    }

    private static string[] Checkpoints(string output) =>
        Directory.GetDirectories(Path.Combine(output, "checkpoints"), "checkpoint-*").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [TestMethod]
    public void TrainSchedulingOptionsShapeTheRun()
    {
        using var files = new TempFiles();
        var one = Train(files.PathOf("one"), "--epochs", "1", "--save-steps", "0");
        long s1 = one.Metrics.TotalSteps;
        Assert.IsTrue(s1 >= 4, $"an epoch has {s1} steps");
        Assert.AreEqual(Lr, one.Metrics.TrainLog[0].LearningRate, 1e-15, "no warm-up by default");
        CollectionAssert.AreEqual(new[] { $"checkpoint-{s1}" }, Checkpoints(one.Output), "--save-steps 0: only the final checkpoint");

        // --epochs 2 doubles the steps; --warmup 3 ramps the rate as HF does (lr·(k−1)/3 at step k); --eval-steps 2 evaluates
        // every other step; --save-steps 1 --save-total-limit 2 keeps the last two checkpoints.
        var two = Train(files.PathOf("two"), "--epochs", "2", "--warmup", "3", "--eval-steps", "2", "--save-steps", "1", "--save-total-limit", "2");
        Assert.AreEqual(2 * s1, two.Metrics.TotalSteps, "--epochs 2");
        double[] rates = [.. Enumerable.Range(1, 4).Select(k => two.Metrics.TrainLog.Single(e => e.Step == k).LearningRate)];
        CollectionAssert.AreEqual(new[] { 0, Lr / 3, 2 * Lr / 3, Lr }, rates, Comparer<double>.Create((a, b) => Math.Abs(a - b) < 1e-15 ? 0 : a.CompareTo(b)), "--warmup 3");
        var evalSteps = two.Metrics.Evaluations.Select(e => e.Step).ToList();
        CollectionAssert.AreEqual(Enumerable.Range(0, (int)s1 + 1).Select(i => 2L * i).ToList(), evalSteps, "--eval-steps 2");
        CollectionAssert.AreEqual(new[] { $"checkpoint-{2 * s1 - 1}", $"checkpoint-{2 * s1}" }.Order(StringComparer.Ordinal).ToArray(), Checkpoints(two.Output), "--save-total-limit 2");

        // --grad-accum 2 halves the optimizer steps of an epoch; --warmup-ratio 0.5 warms up over half of them.
        var accum = Train(files.PathOf("accum"), "--epochs", "1", "--grad-accum", "2", "--warmup-ratio", "0.5", "--save-steps", "0");
        Assert.AreEqual((s1 + 1) / 2, accum.Metrics.TotalSteps, "--grad-accum 2");
        long warmup = (long)Math.Ceiling(0.5 * accum.Metrics.TotalSteps);
        Assert.AreEqual(0.0, accum.Metrics.TrainLog[0].LearningRate, "--warmup-ratio: the first step starts the ramp");
        Assert.AreEqual(Lr / warmup, accum.Metrics.TrainLog.Single(e => e.Step == 2).LearningRate, 1e-15, "--warmup-ratio 0.5");
    }

    [TestMethod]
    public void TrainSeedWeightDecayMlmProbabilityAndOverwriteAct()
    {
        using var files = new TempFiles();
        string[] fourSteps = ["--max-steps", "4", "--save-steps", "0"];
        var baseline = Train(files.PathOf("base"), fourSteps);
        var baseLosses = baseline.Metrics.TrainLog.Select(e => e.Loss).ToList();

        // --overwrite replaces the earlier run's outputs; with --seed 7 they are another run's.
        var reseeded = Train(baseline.Output, [.. fourSteps, "--seed", "7", "--overwrite"]);
        CollectionAssert.AreNotEqual(baseLosses, reseeded.Metrics.TrainLog.Select(e => e.Loss).ToList(), "--seed 7 and --overwrite");

        var decayed = Train(files.PathOf("decay"), [.. fourSteps, "--weight-decay", "0.5"]);
        Assert.AreNotEqual(baseLosses[^1], decayed.Metrics.TrainLog[^1].Loss, "--weight-decay changes the weights after the first step");
        Assert.AreEqual(baseLosses[0], decayed.Metrics.TrainLog[0].Loss, "…and not the first step's loss, computed before any update");

        var masked = Train(files.PathOf("mlm"), [.. fourSteps, "--mlm-probability", "0.5"]);
        long baseMasked = baseline.Metrics.Initial!.MaskedTokens, moreMasked = masked.Metrics.Initial!.MaskedTokens;
        Assert.IsTrue(moreMasked > 2 * baseMasked, $"--mlm-probability 0.5 masks about 3⅓ times as many tokens as 0.15: {moreMasked} vs {baseMasked}");
    }

    [TestMethod]
    public void TrainFormatOptionOverridesTheExtension()
    {
        using var files = new TempFiles();
        string dat = files.Write("data.dat", File.ReadAllText(s_data));
        string[] args = ["train", "--data", dat, "--text-column", "answers.text", "--size", "tiny", "--max-steps", "1", "--eval-fraction", "0", "--block-size", "32"];
        var asText = CliRun.InProcess([.. args, "--output", files.PathOf("text")]);
        Assert.AreEqual(0, asText.ExitCode, asText.ToString());
        Assert.IsFalse(asText.Output.Contains("JSONL field"), "the control: an unknown extension is read as text lines");
        var asJsonl = CliRun.InProcess([.. args, "--output", files.PathOf("jsonl"), "--format", "jsonl"]);
        Assert.AreEqual(0, asJsonl.ExitCode, asJsonl.ToString());
        StringAssert.Contains(asJsonl.Output, "JSONL field 'answers.text'", "--format jsonl");
    }

    [TestMethod]
    public void TrainLineByLineMakesOneBlockPerLine()
    {
        using var files = new TempFiles();
        string config = TinyConfig(files);
        string text = files.Write("data.txt", string.Join("\n\n", Enumerable.Range(0, 30).Select(i => Sentences[i % 6])));
        TrainingMetrics Run(string name, params string[] extra)
        {
            var run = CliRun.InProcess(["train", "--data", text, "--config", config, "--output", files.PathOf(name),
                "--epochs", "1", "--batch-size", "4", "--block-size", "32", "--eval-fraction", "0", .. extra]);
            Assert.AreEqual(0, run.ExitCode, run.ToString());
            StringAssert.Contains(run.Output, "lines of", "a .txt file is read as text lines");
            Assert.IsTrue(File.Exists(Path.Combine(files.PathOf(name), "model.zip")));
            return TrainingMetrics.FromJson(File.ReadAllText(Path.Combine(files.PathOf(name), "metrics.json")));
        }
        // 30 lines, each its own (padded) block: 30 blocks in batches of 4; concatenated, about 400 tokens make 13 blocks.
        Assert.AreEqual(8, Run("lines", "--line-by-line").TotalSteps, "--line-by-line: one block per line");
        Assert.IsTrue(Run("joined").TotalSteps < 8, "the control: without --line-by-line lines are concatenated");
    }

    private static JsonElement EvaluateJson(params string[] args)
    {
        var run = CliRun.InProcess(["evaluate", "--model", s_zip, "--json", .. args]);
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        return JsonDocument.Parse(run.Output).RootElement;
    }

    [TestMethod]
    public void EvaluateOptionsAct()
    {
        using var files = new TempFiles();
        string[] data = ["--data", s_data, "--text-column", "answers.text", "--block-size", "32"];
        var baseline = EvaluateJson(data);

        var more = EvaluateJson([.. data, "--mlm-probability", "0.5"]);
        Assert.IsTrue(more.GetProperty("masked_tokens").GetInt64() > 2 * baseline.GetProperty("masked_tokens").GetInt64(), "--mlm-probability 0.5");

        // Batching changes nothing, and a bad --batch-size is refused (so the option is read).
        var single = EvaluateJson([.. data, "--batch-size", "1"]);
        Assert.AreEqual(baseline.GetProperty("masked_tokens").GetInt64(), single.GetProperty("masked_tokens").GetInt64());
        HfParity.AssertRelative(baseline.GetProperty("eval_loss").GetDouble(), single.GetProperty("eval_loss").GetDouble(), "--batch-size 1 vs 8");
        var zero = CliRun.InProcess(["evaluate", "--model", s_zip, .. data, "--batch-size", "0"]);
        Assert.AreEqual(1, zero.ExitCode, zero.ToString());
        StringAssert.Contains(zero.Error, "atch");

        // --format: the same JSONL under an extension that would be read as text.
        string dat = files.Write("data.dat", File.ReadAllText(s_data));
        var asText = EvaluateJson("--data", dat, "--text-column", "answers.text", "--block-size", "32");
        Assert.AreNotEqual(baseline.GetRawText(), asText.GetRawText(), "the control: read as text lines, the JSON itself is the text");
        var formatted = EvaluateJson("--data", dat, "--format", "jsonl", "--text-column", "answers.text", "--block-size", "32");
        Assert.AreEqual(baseline.GetRawText(), formatted.GetRawText(), "--format jsonl reads it as the .jsonl file");

        // --line-by-line: three short lines (7 ids each) make no 32-token block when concatenated, three blocks when not.
        string shortLines = files.Write("short.txt", string.Join("\n", Enumerable.Repeat("The sun is a star.", 3)));
        var concatenated = CliRun.InProcess("evaluate", "--model", s_zip, "--data", shortLines, "--block-size", "32");
        CliRun.AssertOneLineError(concatenated, "--line-by-line", "evaluate");
        var lines = EvaluateJson("--data", shortLines, "--block-size", "32", "--line-by-line", "--mlm-probability", "0.5");
        Assert.IsTrue(lines.GetProperty("masked_tokens").GetInt64() > 0, "--line-by-line: each line is scored");
    }

    [TestMethod]
    public void DoctorReportsVersionsAndAWorkingTorchSharp()
    {
        var doctor = CliRun.InProcess("doctor");
        Assert.AreEqual(0, doctor.ExitCode, doctor.ToString());
        foreach (string line in new[] { "MlNetMlm ", ".NET ", "ML.NET ", "TorchSharp ", "Native load ", "expect 83) = 83", "Device " })
            StringAssert.Contains(doctor.Output, line);
        Assert.AreEqual("", doctor.Error);
    }
}
