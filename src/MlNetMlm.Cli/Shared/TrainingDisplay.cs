using System.Globalization;
using MlNetMlm.Training;
using Spectre.Console;

namespace MlNetMlm.Cli.Shared;

/// <summary>
/// Shows training as it runs: a live Spectre.Console bar (step, epoch, loss, learning rate, tokens/s, ETA)
/// on a terminal, plain lines every few steps otherwise (pipes, CI, tests). The loss shown is that one step's;
/// loss.png and metrics.json plot the mean over each --logging-steps interval, and both are labelled so.
/// </summary>
internal static class TrainingDisplay
{
    public static T Run<T>(CliContext cli, long logEvery, Func<IProgress<TrainingProgress>, T> train)
    {
        if (!cli.Interactive) return train(new PlainProgress(cli, Math.Max(1, logEvery)));
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            // The description carries the numbers; a narrow bar keeps the line within 80 columns.
            .Columns(new ProgressBarColumn { Width = 16 }, new TaskDescriptionColumn { Alignment = Justify.Left })
            .Start(ctx =>
            {
                var task = ctx.AddTask("preparing data", maxValue: 1);
                result = train(new LiveProgress(cli, task));
                task.StopTask();
            });
        return result;
    }

    internal static string StepLine(TrainingProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"step {p.Step}/{p.TotalSteps}  epoch {p.Epoch:F2}  step loss {p.Loss:F4}  lr {p.NextLearningRate ?? p.LearningRate:0.###e+0}  {p.TokensPerSecond:F0} tok/s  ETA {Eta(p.Remaining)}");

    internal static string EvalLine(TrainingProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"eval at step {p.Step}: loss {p.Loss:F4}  perplexity {p.Perplexity:F2}  masked accuracy {p.Accuracy:P2}");

    private static string Eta(TimeSpan? remaining) => remaining is { } r ? r.ToString(r.TotalHours >= 1 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture) : "-";

    /// <summary>Reports on the trainer's thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class PlainProgress(CliContext cli, long every) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            cli.ProgressHook?.Invoke(p);
            if (p.IsEvaluation) cli.Output.WriteLine(EvalLine(p));
            else if (p.Step % every == 0 || p.Step == p.TotalSteps || p.Step == 1) cli.Output.WriteLine(StepLine(p));
        }
    }

    private sealed class LiveProgress(CliContext cli, ProgressTask task) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            cli.ProgressHook?.Invoke(p);
            if (p.IsEvaluation)
            {
                AnsiConsole.MarkupLine(Markup.Escape(EvalLine(p)));
                return;
            }
            task.MaxValue = Math.Max(1, p.TotalSteps);
            task.Value = p.Step;
            task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"{p.Step}/{p.TotalSteps} ep {p.Epoch:F1} step loss {p.Loss:F3} lr {p.NextLearningRate ?? p.LearningRate:0.#e+0} {p.TokensPerSecond:F0} tok/s ETA {Eta(p.Remaining)}"));
        }
    }
}
