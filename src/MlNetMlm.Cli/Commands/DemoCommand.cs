using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using MlNetMlm.Metrics;
using MlNetMlm.Cli.Shared;
using MlNetMlm.Flatten;
using MlNetMlm.Modeling;
using MlNetMlm.Tokenization;
using MlNetMlm.Training;

namespace MlNetMlm.Cli.Commands;

/// <summary>
/// <c>mlnet-mlm demo</c>: the whole workflow on the embedded ELI5-style science sample, with nothing to
/// download — split, flatten, join, tokenize, group, mask, train a small RoBERTa from scratch, evaluate
/// before and after, save, and fill a mask with the saved model reloaded.
/// </summary>
internal static class DemoCommand
{
    public const string Prompt = "The Milky Way is a <mask> galaxy.";

    public static Command Create(CliContext cli)
    {
        var output = new Option<string>("--output", "-o") { Description = "Folder for the model zip, HF folder, loss plot and metrics.", DefaultValueFactory = _ => "mlnet-mlm-demo" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the outputs of an earlier run in --output." };
        var steps = new Option<long>("--steps", "--max-steps") { Description = "Optimizer steps (overrides --epochs when given).", DefaultValueFactory = _ => -1 };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training split (8 steps each).", DefaultValueFactory = _ => 15 };
        var size = new Option<string>("--size") { Description = "Model size: small (4 layers, 256 hidden) or tiny (for smoke tests).", DefaultValueFactory = _ => "small" };
        size.AcceptOnlyFromAmong(TrainCommand.CliSizes);
        var batchSize = new Option<int>("--batch-size") { Description = "Blocks per step.", DefaultValueFactory = _ => 8 };
        var lr = new Option<double>("--lr", "--learning-rate") { Description = "Peak learning rate (a from-scratch model this small learns fastest high).", DefaultValueFactory = _ => 1e-3 };
        var seed = new Option<int>("--seed") { Description = "Seeds the split, initialisation, data order and masks.", DefaultValueFactory = _ => 42 };
        var device = new Option<string?>("--device") { Description = "cpu, cuda or cuda:N (default: CUDA when available)." };
        epochs.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--epochs must be at least 1."); });
        batchSize.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--batch-size must be at least 1."); });
        lr.Validators.Add(r => { if (!(r.GetValueOrDefault<double>() > 0)) r.AddError("--lr must be positive."); });

        var command = new Command("demo", "The main job: train a small RoBERTa on the embedded science sample (no download), evaluate, save, and fill in \"" + Prompt + "\".")
        {
            output, overwrite, steps, epochs, size, batchSize, lr, seed, device,
        };
        CommandRunner.SetAction(command, cli, parse => Run(cli, new Settings(
            parse.GetValue(output)!, parse.GetValue(overwrite), parse.GetValue(steps), parse.GetValue(epochs),
            parse.GetValue(size)!, parse.GetValue(batchSize), parse.GetValue(lr), parse.GetValue(seed), parse.GetValue(device), parse.GetValue(cli.Verbose))));
        return command;
    }

    internal sealed record Settings(string Output, bool Overwrite, long Steps, int Epochs, string Size, int BatchSize, double LearningRate, int Seed, string? Device, bool Verbose);

    internal static int Run(CliContext cli, Settings s)
    {
        var clock = Stopwatch.StartNew();
        var o = cli.Output;
        string outDir = Path.GetFullPath(s.Output);
        TrainingSession.CheckOutputDirectory(outDir, s.Overwrite, resuming: false);
        var tokenizer = RobertaTokenizer.Default;
        var ml = new MLContext(seed: s.Seed);

        // The sample keeps the nested ELI5 layout, one row per question with its answers: the exact 90/10 split
        // holds out whole questions, so no answer of a held-out question is seen in training.
        var sample = MlNetMlmSamples.Eli5(ml);
        var split = ml.Data.ExactTrainTestSplit(sample, testFraction: 0.1, s.Seed);
        var config = RobertaConfig.Preset(s.Size);
        o.WriteLine("MlNetMlm demo: masked-language modelling on the embedded ELI5-style science sample (70 questions, 210 answers; nothing downloaded).");
        o.WriteLine($"  pipeline: split 90/10 (seed {s.Seed}: {split.TrainSet.GetRowCount()} questions to train on, {split.TestSet.GetRowCount()} held out) → FlattenJson → JoinText(answers.text) → TokenizeRoberta (offline default, {tokenizer.VocabularySize} ids) → GroupTexts(128) → MaskTokens(15 %) → train");
        o.WriteLine($"  model:    RoBERTa from scratch, {config.NumHiddenLayers} layers, hidden {config.HiddenSize}, {config.NumAttentionHeads} heads, intermediate {config.IntermediateSize}");

        var options = new MaskedLmTrainerOptions
        {
            Config = config,
            Tokenizer = tokenizer,
            Epochs = s.Epochs,
            MaxSteps = s.Steps,
            BatchSize = s.BatchSize,
            LearningRate = s.LearningRate,
            WarmupRatio = 0.06,
            WeightDecay = 0.01,
            Seed = s.Seed,
            Device = s.Device,
            EvaluationSteps = 0,
            LoggingSteps = 10,
        };
        var plan = new TrainingPlan
        {
            TrainText = split.TrainSet,
            EvalText = split.TestSet,
            ToText = ml.Transforms.FlattenJson(FlattenJsonOptions.Eli5()).Append(ml.Transforms.Text.JoinText(TextData.Column, "answers.text")),
            Tokenizer = tokenizer,
            BlockSize = 128,
            Options = options,
            OutputDirectory = outDir,
            DataDescription = "the ELI5-style science sample (answers.text)",
            Checkpoints = false,
        };
        var run = TrainingSession.Run(ml, cli, plan, s.Verbose);
        var metrics = run.Model.Metrics!;
        run.Model.Dispose();

        o.WriteLine();
        o.WriteLine($"Trained {metrics.TotalSteps} steps in {metrics.TrainSeconds:F0} s ({metrics.TokensPerSecond:F0} tokens/s).");
        WriteEvaluation(o, metrics, run.EvalBlocks);

        // Fill-mask with the model as saved: a fresh MLContext loads the zip, as another program would.
        var fresh = new MLContext(seed: s.Seed);
        using var reloaded = ModelFiles.Load(fresh, run.Zip);
        o.WriteLine();
        o.WriteLine($"Fill-mask, top 5, with the saved model reloaded from {Path.GetFileName(run.Zip)}:");
        FillMaskOutput.WriteTable(o, Prompt, reloaded.FillMask([Prompt], 5)[0]);
        foreach (string line in TopFiveNote) o.WriteLine(line);

        o.WriteLine();
        o.WriteLine("Outputs:");
        o.WriteLine($"  ML.NET model     {run.Zip}");
        o.WriteLine($"  Hugging Face     {run.HfDirectory}{Path.DirectorySeparatorChar}");
        o.WriteLine($"  loss plot        {run.LossPng}");
        o.WriteLine($"  metrics          {run.MetricsJson}");
        o.WriteLine($"Try: mlnet-mlm fill-mask --model {run.Zip} \"Plants turn sunlight into <mask>.\"");
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Done in {clock.Elapsed.TotalSeconds:F0} s."));
        return 0;
    }

    /// <summary>Printed under the demo's top 5: what to expect from a model this small, and where to go next.</summary>
    internal static readonly string[] TopFiveNote =
    [
        "Why these guesses: a small model trained from scratch for a minute or two on a few thousand words has",
        "learnt mostly which tokens are frequent (\".\", \",\", \" the\", \" of\"), not what a galaxy is, so punctuation",
        "and common words lead its list. A pretrained checkpoint knows English before it sees your data; fine-tune one:",
        "  mlnet-mlm train --model path/to/distilroberta-base --data your.jsonl --text-column answers.text --output runs/ft --lr 2e-5",
        "(a Hugging Face folder downloaded beforehand: config.json, model.safetensors, vocab.json, merges.txt; see README).",
    ];

    internal static void WriteEvaluation(TextWriter o, TrainingMetrics metrics, long evalBlocks)
    {
        if (metrics.Initial is not { } before || metrics.Final is not { } after)
        {
            o.WriteLine("No evaluation (no held-out blocks).");
            return;
        }
        o.WriteLine($"Held-out evaluation ({evalBlocks} blocks, {after.MaskedTokens} masked tokens, same masks before and after):");
        o.WriteLine($"  {"",-18}{"before",12}{"after",12}");
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"loss",-18}{before.Loss,12:F3}{after.Loss,12:F3}"));
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"perplexity",-18}{before.Perplexity,12:F1}{after.Perplexity,12:F1}"));
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"masked accuracy",-18}{before.Accuracy,12:P1}{after.Accuracy,12:P1}"));
    }
}
