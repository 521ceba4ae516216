using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.DataView;
using MlNetMlm.Files;
using MlNetMlm.FillMask;
using MlNetMlm.Training;

namespace MlNetMlm.Cli.Shared;

/// <summary>What a training run wrote, and what it measured.</summary>
internal sealed record TrainingOutputs(MaskedLmTransformer Model, string Zip, string HfDirectory, string MetricsJson, string LossPng, string? Checkpoints, long EvalBlocks, TimeSpan Elapsed);

/// <summary>
/// One training run shared by <c>demo</c> and <c>train</c>: text → ids → blocks → masks → trainer, with
/// progress and Ctrl-C handling, then the outputs: <c>model.zip</c>, <c>hf/</c>, <c>metrics.json</c>, <c>loss.png</c>.
/// </summary>
internal static class TrainingSession
{
    public static TrainingOutputs Run(MLContext ml, CliContext cli, TrainingPlan plan, bool verbose)
    {
        // The folder is made by the first file written into it; one that this run made and left empty (an
        // error before any output) is removed again.
        bool existed = Directory.Exists(plan.OutputDirectory);
        try
        {
            return RunIn(ml, cli, plan, verbose);
        }
        catch when (!existed && Directory.Exists(plan.OutputDirectory) && !Directory.EnumerateFileSystemEntries(plan.OutputDirectory).Any())
        {
            Directory.Delete(plan.OutputDirectory);
            throw;
        }
    }

    private static TrainingOutputs RunIn(MLContext ml, CliContext cli, TrainingPlan plan, bool verbose)
    {
        var clock = Stopwatch.StartNew();
        var tokenizer = plan.Tokenizer;
        var prepare = BlockPreparation.Create(ml, plan.ToText, tokenizer, plan.BlockSize, plan.LineByLine, plan.MlmProbability, plan.Options.Seed, plan.PreparedBlocks);
        var prepared = prepare.Fit(plan.TrainText);
        var train = prepared.Transform(plan.TrainText);
        if (plan.MaxTrainSamples is { } maxTrain) train = ml.Data.TakeRows(train, maxTrain);

        var options = plan.Options;
        long evalBlocks = 0;
        if (plan.EvalText is not null)
        {
            var eval = prepared.Transform(plan.EvalText);
            if (plan.MaxEvalSamples is { } maxEval) eval = ml.Data.TakeRows(eval, maxEval);
            evalBlocks = CountRows(eval);
            if (evalBlocks > 0) options.EvaluationData = eval;
            else cli.Output.WriteLine($"note: the evaluation split is shorter than one block of {plan.BlockSize} tokens, so there is no evaluation; use a larger --eval-fraction or more data.");
        }
        string? checkpoints = plan.Checkpoints ? CheckpointDirectory(plan.OutputDirectory) : null;
        options.CheckpointDirectory = checkpoints;
        options.CancellationToken = cli.Interrupt.Token;
        options.Tokenizer ??= tokenizer;
        if (verbose)
            ml.Log += (_, e) => { if (e.Kind >= Microsoft.ML.Runtime.ChannelMessageKind.Info && e.Source.StartsWith(MaskedLmTrainer.LogSource, StringComparison.Ordinal)) cli.Error.WriteLine($"[{e.Source}] {e.Message}"); };

        // Ctrl-C stops at the next step boundary: the trainer writes a checkpoint, then throws.
        ConsoleCancelEventHandler onCtrlC = (_, e) => { e.Cancel = true; cli.Interrupt.Cancel(); };
        Console.CancelKeyPress += onCtrlC;
        MaskedLmTransformer model;
        try
        {
            model = TrainingDisplay.Run(cli, options.LoggingSteps, progress =>
            {
                options.Progress = progress;
                return ml.MaskedLanguageModeling().Trainer(options).Fit(train);
            });
        }
        catch (OperationCanceledException e)
        {
            throw new OperationCanceledException(checkpoints is null ? e.Message : $"{e.Message.TrimEnd('.')}; continue with {plan.ResumeHint}.", e);
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }

        string zip = Path.Combine(plan.OutputDirectory, "model.zip");
        string hf = Path.Combine(plan.OutputDirectory, "hf");
        string metricsJson = Path.Combine(plan.OutputDirectory, "metrics.json");
        string png = Path.Combine(plan.OutputDirectory, "loss.png");
        ModelFiles.SaveZip(ml, model, zip);
        model.ExportHuggingFace(hf, overwrite: true, trainedOn: plan.DataDescription);
        AtomicFile.WriteAllText(metricsJson, model.Metrics!.ToJson());
        LossPlot.Save(model.Metrics, png, $"Masked-LM loss on {plan.DataDescription}");
        return new TrainingOutputs(model, zip, hf, metricsJson, png, checkpoints, evalBlocks, clock.Elapsed);
    }

    /// <summary>Where a run in <paramref name="outputDirectory"/> keeps its checkpoints.</summary>
    public static string CheckpointDirectory(string outputDirectory) => Path.Combine(outputDirectory, "checkpoints");

    private static long CountRows(IDataView data)
    {
        using var cursor = data.GetRowCursor(data.Schema.Where(c => c.Name == ColumnNames.InputIds));
        long n = 0;
        while (cursor.MoveNext()) n++;
        return n;
    }

    /// <summary>An output folder that already holds files is only reused with --overwrite (or to resume).</summary>
    public static void CheckOutputDirectory(string directory, bool overwrite, bool resuming)
    {
        if (File.Exists(directory)) throw new CliException($"--output '{directory}' is a file; give a folder.");
        if (!Directory.Exists(directory) || !Directory.EnumerateFileSystemEntries(directory).Any() || resuming) return;
        if (!overwrite) throw new CliException($"--output '{directory}' is not empty; pass --overwrite to replace what is there, or choose another folder.");
        // A fresh run must not resume from, or mix its checkpoints with, an older run's.
        string checkpoints = Path.Combine(directory, "checkpoints");
        if (Directory.Exists(checkpoints)) Directory.Delete(checkpoints, recursive: true);
    }
}
