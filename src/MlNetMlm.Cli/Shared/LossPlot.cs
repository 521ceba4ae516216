using MlNetMlm.Notebooks;
using MlNetMlm.Metrics;
using MlNetMlm.Training;
using ScottPlot;

namespace MlNetMlm.Cli.Shared;

/// <summary>
/// The loss curves of a run as a PNG. Only the drawing is here: the series and the labels are the library's
/// <see cref="LossChart"/> (which draws the same chart as SVG for notebooks).
/// </summary>
internal static class LossPlot
{
    public static void Save(TrainingMetrics metrics, string path, string title)
    {
        var chart = new LossChart(metrics) { Title = title };
        var plot = new Plot();
        if (chart.TrainingLoss is { Count: > 0 } training)
        {
            var train = plot.Add.Scatter(training.Select(p => p.Step).ToArray(), training.Select(p => p.Loss).ToArray());
            train.LegendText = LossChart.TrainingLossLabel;
            train.MarkerSize = training.Count > 40 ? 0 : 5;
        }
        if (chart.EvaluationLoss is { Count: > 0 } evaluation)
        {
            var eval = plot.Add.Scatter(evaluation.Select(p => p.Step).ToArray(), evaluation.Select(p => p.Loss).ToArray());
            eval.LegendText = LossChart.EvaluationLossLabel;
            eval.MarkerSize = 7;
        }
        plot.Title(chart.Title);
        plot.XLabel(LossChart.StepAxisLabel);
        plot.YLabel(LossChart.LossAxisLabel);
        plot.ShowLegend(Alignment.UpperRight);
        // Rendered in memory, then written atomically like every other output.
        MlNetMlm.Files.AtomicFile.WriteAllBytes(path, plot.GetImage(900, 540).GetImageBytes(ImageFormat.Png));
    }
}
