using MlNetMlm.Metrics;
using MlNetMlm.Training;
using ScottPlot;

namespace MlNetMlm.Cli.Shared;

/// <summary>The training and evaluation loss curves of a run as a PNG.</summary>
internal static class LossPlot
{
    public static void Save(TrainingMetrics metrics, string path, string title)
    {
        var plot = new Plot();
        if (metrics.TrainLog.Count > 0)
        {
            var train = plot.Add.Scatter(metrics.TrainLog.Select(e => (double)e.Step).ToArray(), metrics.TrainLog.Select(e => e.Loss).ToArray());
            train.LegendText = "training loss";
            train.MarkerSize = metrics.TrainLog.Count > 40 ? 0 : 5;
        }
        if (metrics.Evaluations.Count > 0)
        {
            var eval = plot.Add.Scatter(metrics.Evaluations.Select(e => (double)e.Step).ToArray(), metrics.Evaluations.Select(e => e.Loss).ToArray());
            eval.LegendText = "evaluation loss";
            eval.MarkerSize = 7;
        }
        plot.Title(title);
        plot.XLabel("optimizer step");
        plot.YLabel("cross-entropy loss (masked tokens)");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 900, 540);
    }
}
