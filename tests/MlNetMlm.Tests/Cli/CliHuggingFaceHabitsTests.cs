using System.Text.Json.Nodes;

namespace MlNetMlm.Tests.Cli;

/// <summary>
/// Hugging Face habits on the command line: run_mlm.py / Trainer names and underscore spellings, unknown
/// options as one line with the closest match, values that never swallow the next option; and what the
/// commands say about what they do (exact held-out share, resume, learning rate, multi-token targets).
/// </summary>
[TestClass]
public sealed class CliHuggingFaceHabitsTests
{
    private static TempFiles s_files = null!;
    private static string s_sample = null!;
    private static string s_runDir = null!;
    private static CliRun.Result s_run = null!;

    [ClassInitialize]
    public static void TrainOnTheSample(TestContext _)
    {
        s_files = new TempFiles();
        s_sample = s_files.PathOf("eli5-science.jsonl");
        MlNetMlmSamples.WriteEli5(s_sample);
        s_runDir = s_files.PathOf("run");
        s_run = CliRun.InProcess("train", "--data", s_sample, "--text-column", "answers.text", "--size", "tiny", "--output", s_runDir,
            "--max-steps", "2", "--batch-size", "4", "--block-size", "32", "--eval-fraction", "0.1", "--warmup-steps", "2", "--logging-steps", "1");
    }

    [ClassCleanup]
    public static void Cleanup() => s_files?.Dispose();

    private static void AssertOneLineError(CliRun.Result r, params string[] contains)
    {
        Assert.AreEqual(1, r.ExitCode, r.ToString());
        string[] lines = r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(1, lines.Length, $"one line expected:\n{r}");
        Assert.IsFalse(r.Output.Contains("Usage:") || r.Error.Contains("Usage:"), $"no help dump:\n{r}");
        foreach (string c in contains) StringAssert.Contains(lines[0], c, r.ToString());
    }

    [TestMethod]
    public void TheSampleHoldsOutSevenOfSeventyQuestions()
    {
        Assert.AreEqual(0, s_run.ExitCode, s_run.ToString());
        StringAssert.Contains(s_run.Output, "7 of 70 examples held out for evaluation (seed 42)");
    }

    [TestMethod]
    public void TheFirstStepShowsTheLearningRateAfterItsUpdate()
    {
        // Two warm-up steps: step 1 runs at 0 and is followed by half the peak (5e-5), which is what HF logs.
        string step1 = s_run.Output.Split('\n').First(l => l.StartsWith("step 1/2", StringComparison.Ordinal));
        StringAssert.Contains(step1, "lr 2.5e-5", s_run.Output);
        StringAssert.Contains(step1, "step loss", "the live loss is labelled as one step's");
    }

    [TestMethod]
    public void UnknownOptionsAreOneLineNamingTheClosest()
    {
        AssertOneLineError(CliRun.InProcess("train", "--data", s_sample, "--output", s_files.PathOf("u1"), "--num-train-epoch", "1"),
            "'--num-train-epoch'", "'--num-train-epochs'");
        // After an option that takes several values, an unknown option is not taken as one of them.
        AssertOneLineError(CliRun.InProcess("train", "--data", s_sample, "--bf17", "--output", s_files.PathOf("u2")), "'--bf17'", "closest");
        // Nor after one that takes a single value.
        AssertOneLineError(CliRun.InProcess("train", "--data", s_sample, "--output", "--epocs", "3"), "'--epocs'", "'--epochs'");
        // A known option right after one that needs a value: the value is missing, said in one line.
        AssertOneLineError(CliRun.InProcess("train", "--data", s_sample, "--output", "--epochs", "3"), "--output");
        AssertOneLineError(CliRun.InProcess("fill-mask", "--modle", "m.zip", "a <mask>"), "'--modle'", "'--model'");
        // Negative numbers stay values.
        AssertOneLineError(CliRun.InProcess("train", "--data", s_sample, "--output", s_files.PathOf("u3"), "--max-steps", "-1", "--epochs", "0"), "--epochs must be at least 1");
    }

    [TestMethod]
    public void HelpStillWorksWithoutTheRequiredOptions()
    {
        var help = CliRun.InProcess("train", "--help");
        Assert.AreEqual(0, help.ExitCode, help.ToString());
        StringAssert.Contains(help.Output, "--validation-file");
        StringAssert.Contains(help.Output, "--lr-scheduler-type");
        Assert.IsFalse(help.Output.Contains("--num_train_epochs"), "underscore spellings are accepted, not listed");
    }

    [TestMethod]
    public void ValidationFileIsAnOptionNotADataFile()
    {
        var r = CliRun.InProcess("train", "--data", s_sample, "--validation-file", s_files.PathOf("missing.jsonl"), "--text-column", "answers.text", "--output", s_files.PathOf("v"));
        AssertOneLineError(r, "missing.jsonl");
        Assert.IsFalse(r.Error.Contains("'--validation-file'"), r.ToString());
    }

    [TestMethod]
    public void RunMlmNamesAndUnderscoreSpellingsTrainWithYourOwnTokenizer()
    {
        // A tokenizer folder with tokenizer.json only: found by the library's one rule (vocab.json + merges.txt, else tokenizer.json).
        string tokenizerJson = RepoPaths.RequireShared("roberta-base", "tokenizer.json");
        string tokenizerDir = s_files.PathOf("my-tokenizer");
        Directory.CreateDirectory(tokenizerDir);
        File.Copy(tokenizerJson, Path.Combine(tokenizerDir, "tokenizer.json"));
        string validation = s_files.PathOf("validation.jsonl");
        File.WriteAllLines(validation, File.ReadLines(s_sample).Take(10));
        string output = s_files.PathOf("hf-names");

        var r = CliRun.InProcess("train", "--train_file", s_sample, "--validation_file", validation, "--text-column", "answers.text", "--size", "tiny",
            "--tokenizer_name", tokenizerDir, "--output_dir", output, "--max_steps", "2", "--per_device_train_batch_size", "4",
            "--per-device-eval-batch-size", "2", "--block_size", "32", "--max-train-samples", "8", "--max_eval_samples", "3",
            "--lr_scheduler_type", "cosine", "--num_train_epochs", "1", "--learning_rate", "1e-3", "--verbose");
        Assert.AreEqual(0, r.ExitCode, r.ToString());
        StringAssert.Contains(r.Output, "evaluating on");
        StringAssert.Contains(r.Output, validation);
        StringAssert.Contains(r.Error, "Training on 8 blocks", "--max-train-samples keeps the first 8 blocks");
        StringAssert.Contains(r.Output, "Held-out evaluation (3 blocks", "--max-eval-samples keeps 3 blocks");
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "hf", "config.json")))!;
        Assert.AreEqual(50265, config["vocab_size"]!.GetValue<int>(), "the from-scratch model takes the given tokenizer's vocabulary");

        AssertOneLineError(CliRun.InProcess("train", "--data", s_sample, "--tokenizer-name", s_files.PathOf("nowhere"), "--output", s_files.PathOf("t2")), "--tokenizer-name", "nowhere");
    }

    [TestMethod]
    public void ResumeSaysWhereItContinuesAndWhenNothingIsLeft()
    {
        string output = s_files.PathOf("resume");
        string[] args = ["train", "--data", s_sample, "--text-column", "answers.text", "--size", "tiny", "--output", output,
            "--max-steps", "2", "--batch-size", "4", "--block-size", "32", "--eval-fraction", "0"];
        Assert.AreEqual(0, CliRun.InProcess(args).ExitCode);
        var again = CliRun.InProcess([.. args, "--resume", "latest"]);
        Assert.AreEqual(0, again.ExitCode, again.ToString());
        StringAssert.Contains(again.Output, $"resuming from {Path.Combine(output, "checkpoints", "checkpoint-2")} (step 2");
        StringAssert.Contains(again.Output, "Nothing left to train");
    }

    [TestMethod]
    public void AMultiTokenTargetIsWarnedAbout()
    {
        Assert.AreEqual(0, s_run.ExitCode, s_run.ToString());
        string zip = Path.Combine(s_runDir, "model.zip");
        var r = CliRun.InProcess("fill-mask", "--model", zip, "--targets", " spiral, elliptical", "The Milky Way is a <mask> galaxy.");
        Assert.AreEqual(0, r.ExitCode, r.ToString());
        string[] warnings = r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(1, warnings.Length, r.ToString());
        StringAssert.Contains(warnings[0], "\" elliptical\" is not one token");
        StringAssert.Contains(warnings[0], "only its first token");
    }
}
