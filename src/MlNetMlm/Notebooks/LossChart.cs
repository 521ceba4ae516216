using System.Globalization;
using System.Net;
using System.Text;
using MlNetMlm.Metrics;
using MlNetMlm.Training;

namespace MlNetMlm.Notebooks;

/// <summary>
/// The loss curve of a training run as a self-contained SVG line chart: the running training loss of each
/// logging interval (<see cref="TrainingMetrics.TrainLog"/>) and the evaluation loss
/// (<see cref="TrainingMetrics.Evaluations"/>) against the optimizer step. A notebook shows it inline
/// (MlNetMlm's kernel extension registers it); <see cref="ToSvg"/> gives the markup, e.g. to save as a file.
/// No plotting package and no native drawing library are involved, so it works in any kernel and viewer.
/// </summary>
public sealed class LossChart
{
    /// <summary>A chart of <paramref name="metrics"/>.</summary>
    public LossChart(TrainingMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        Metrics = metrics;
    }

    /// <summary>The run drawn.</summary>
    public TrainingMetrics Metrics { get; }

    /// <summary>Width of the SVG in pixels. Default 640.</summary>
    public int Width { get; init; } = 640;

    /// <summary>Height of the SVG in pixels. Default 320.</summary>
    public int Height { get; init; } = 320;

    /// <summary>Shown above the plot. Default "Loss".</summary>
    public string Title { get; init; } = "Loss";

    /// <summary>Legend of the training series.</summary>
    public const string TrainingLossLabel = "training loss";

    /// <summary>Legend of the evaluation series.</summary>
    public const string EvaluationLossLabel = "evaluation loss";

    /// <summary>The x axis.</summary>
    public const string StepAxisLabel = "optimizer step";

    /// <summary>The y axis.</summary>
    public const string LossAxisLabel = "cross-entropy loss (masked tokens)";

    /// <summary>
    /// The running training loss of each logging interval against the optimizer step (finite values only):
    /// the one source of the curve, for this SVG and for any other drawing of it (the command line's PNG).
    /// </summary>
    public IReadOnlyList<(double Step, double Loss)> TrainingLoss =>
        Metrics.TrainLog.Where(e => double.IsFinite(e.Loss)).Select(e => ((double)e.Step, e.Loss)).ToList();

    /// <summary>The evaluation loss against the optimizer step (finite values only).</summary>
    public IReadOnlyList<(double Step, double Loss)> EvaluationLoss =>
        Metrics.Evaluations.Where(e => double.IsFinite(e.Loss)).Select(e => ((double)e.Step, e.Loss)).ToList();

    private const double Left = 56, Right = 16, Top = 32, Bottom = 44;

    /// <summary>The chart as an <c>&lt;svg&gt;</c> element (numbers written culture-invariantly).</summary>
    public string ToSvg()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Width, 200, nameof(Width));
        ArgumentOutOfRangeException.ThrowIfLessThan(Height, 120, nameof(Height));
        var train = TrainingLoss.Select(p => (X: p.Step, Y: p.Loss)).ToList();
        var eval = EvaluationLoss.Select(p => (X: p.Step, Y: p.Loss)).ToList();

        var svg = new StringBuilder();
        svg.Append($"<svg class=\"mlnetmlm-loss-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.Append($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>");
        svg.Append(Text(Width / 2.0, 20, Title, "middle", bold: true));
        if (train.Count + eval.Count == 0)
            return svg.Append(Text(Width / 2.0, Height / 2.0, "no loss recorded", "middle")).Append("</svg>").ToString();

        var points = train.Concat(eval).ToList();
        var (xMin, xMax, xStep) = NiceRange(Math.Min(0, points.Min(p => p.X)), points.Max(p => p.X));
        var (yMin, yMax, yStep) = NiceRange(points.Min(p => p.Y), points.Max(p => p.Y));
        double plotWidth = Width - Left - Right, plotHeight = Height - Top - Bottom;
        double Px(double x) => Left + (x - xMin) / (xMax - xMin) * plotWidth;
        double Py(double y) => Top + (yMax - y) / (yMax - yMin) * plotHeight;

        // Grid and tick labels.
        for (double y = yMin; y <= yMax + yStep / 2; y += yStep)
        {
            svg.Append($"<line x1=\"{N(Left)}\" x2=\"{N(Width - Right)}\" y1=\"{N(Py(y))}\" y2=\"{N(Py(y))}\" stroke=\"#e0e0e0\"/>");
            svg.Append(Text(Left - 6, Py(y) + 4, Tick(y, yStep), "end"));
        }
        for (double x = xMin; x <= xMax + xStep / 2; x += xStep)
            svg.Append(Text(Px(x), Height - Bottom + 16, Tick(x, xStep), "middle"));
        svg.Append($"<rect x=\"{N(Left)}\" y=\"{N(Top)}\" width=\"{N(plotWidth)}\" height=\"{N(plotHeight)}\" fill=\"none\" stroke=\"#888\"/>");
        svg.Append(Text(Left + plotWidth / 2, Height - 8, StepAxisLabel, "middle"));

        // Series: training loss as a line, evaluation loss as a line with dots (often only a few points).
        const string trainColor = "#1f77b4", evalColor = "#d62728";
        if (train.Count > 0)
            svg.Append($"<polyline class=\"train\" fill=\"none\" stroke=\"{trainColor}\" stroke-width=\"2\" points=\"{string.Join(' ', train.Select(p => $"{N(Px(p.X))},{N(Py(p.Y))}"))}\"/>");
        if (eval.Count > 0)
        {
            svg.Append($"<polyline class=\"eval\" fill=\"none\" stroke=\"{evalColor}\" stroke-width=\"2\" stroke-dasharray=\"5 3\" points=\"{string.Join(' ', eval.Select(p => $"{N(Px(p.X))},{N(Py(p.Y))}"))}\"/>");
            foreach (var p in eval)
                svg.Append($"<circle class=\"eval\" cx=\"{N(Px(p.X))}\" cy=\"{N(Py(p.Y))}\" r=\"3.5\" fill=\"{evalColor}\"/>");
        }

        // Legend, top right inside the plot.
        double lx = Width - Right - 150, ly = Top + 16;
        if (train.Count > 0)
        {
            svg.Append($"<line x1=\"{N(lx)}\" x2=\"{N(lx + 20)}\" y1=\"{N(ly - 4)}\" y2=\"{N(ly - 4)}\" stroke=\"{trainColor}\" stroke-width=\"2\"/>");
            svg.Append(Text(lx + 26, ly, TrainingLossLabel, "start"));
            ly += 18;
        }
        if (eval.Count > 0)
        {
            svg.Append($"<line x1=\"{N(lx)}\" x2=\"{N(lx + 20)}\" y1=\"{N(ly - 4)}\" y2=\"{N(ly - 4)}\" stroke=\"{evalColor}\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>");
            svg.Append(Text(lx + 26, ly, EvaluationLossLabel, "start"));
        }
        return svg.Append("</svg>").ToString();
    }

    /// <summary>An axis range that starts and ends on a round tick, with about five ticks.</summary>
    internal static (double Min, double Max, double Step) NiceRange(double min, double max)
    {
        if (max - min < 1e-9) { min -= 0.5; max += 0.5; }
        double raw = (max - min) / 5;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        return (Math.Floor(min / step) * step, Math.Ceiling(max / step) * step, step);
    }

    private static string Tick(double value, double step)
    {
        // As many decimals as the step needs (0.25 → 2, 0.5 → 1, 20 → 0), so that labels are exact and equal in width.
        int decimals = 0;
        while (decimals < 6 && Math.Abs(step * Math.Pow(10, decimals) - Math.Round(step * Math.Pow(10, decimals))) > 1e-6) decimals++;
        return Math.Round(value, decimals).ToString("F" + decimals, CultureInfo.InvariantCulture);
    }

    private static string Text(double x, double y, string text, string anchor, bool bold = false) =>
        $"<text x=\"{N(x)}\" y=\"{N(y)}\" text-anchor=\"{anchor}\"{(bold ? " font-weight=\"bold\"" : "")}>{WebUtility.HtmlEncode(text)}</text>";

    private static string N(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
