using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Data.Analysis;
using Microsoft.ML.Data;
using MlNetMlm.Metrics;
using MlNetMlm.FillMask;
using MlNetMlm.Interop;
using MlNetMlm.Training;
using TorchSharp;

namespace MlNetMlm.Notebooks;

/// <summary>
/// The formatters that MlNetMlm's .NET Interactive extension registers when a notebook loads the package
/// (<c>#r "nuget: MlNetMlm"</c>). To show a new type nicely in notebooks, add an entry to <see cref="All"/>:
/// the extension script does not change.
/// </summary>
public static class NotebookFormatters
{
    /// <summary>Rows of a <see cref="DataFrame"/> shown before the table is cut (the row count is always shown).</summary>
    public const int MaxDataFrameRows = 20;

    /// <summary>Every formatter the extension registers, in order.</summary>
    public static IReadOnlyList<NotebookFormatter> All { get; } =
    [
        NotebookFormatter.Html<TorchNativeStatus>(TorchStatusHtml),
        // TorchSharp's own ToString() shows only shape and type; notebooks want the values too.
        NotebookFormatter.Html<torch.Tensor>(TensorHtml),
        // The kernel has no HTML view of DataFrame of its own; without this it lists the frame's properties.
        NotebookFormatter.Html<DataFrame>(df => DataFrameHtml(df, MaxDataFrameRows)),
        // The kernel's own plain-text view of a DataFrame throws on empty ML.NET vector cells.
        new(typeof(DataFrame), "text/plain", df => DataFrameText((DataFrame)df, MaxDataFrameRows)),
        // The default views list the prediction's parallel arrays; a reader wants one row per candidate.
        NotebookFormatter.Html<FillMaskPrediction>(FillMaskHtml),
        new(typeof(FillMaskPrediction), "text/plain", p => FillMaskText((FillMaskPrediction)p)),
        NotebookFormatter.Html<TrainingMetrics>(MetricsHtml),
        new(typeof(TrainingMetrics), "text/plain", m => MetricsText((TrainingMetrics)m)),
        NotebookFormatter.Html<LossChart>(chart => chart.ToSvg()),
        new(typeof(LossChart), "text/plain", c => LossChartText((LossChart)c)),
    ];

    /// <summary>A small table: whether and how TorchSharp's native libraries were loaded.</summary>
    public static string TorchStatusHtml(TorchNativeStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var rows = new List<(string, string?)>
        {
            ("loaded", status.Loaded ? "yes" : "no"),
            ("method", status.Method.ToString()),
            ("libtorch", status.LibTorchPath),
            ("LibTorchSharp", status.LibTorchSharpPath),
            ("patched copy", status.PatchedCopyPath),
            ("weakened versions", status.WeakenedVersions.Count == 0 ? null : string.Join(", ", status.WeakenedVersions)),
            ("error", status.Error),
            ("time", $"{status.Elapsed.TotalMilliseconds:F1} ms"),
        };
        var html = new StringBuilder("<table class=\"mlnetmlm-torch-status\"><tbody>");
        foreach (var (name, value) in rows.Where(r => r.Item2 is not null))
            html.Append("<tr><th>").Append(Encode(name)).Append("</th><td>").Append(Encode(value)).Append("</td></tr>");
        return html.Append("</tbody></table>").ToString();
    }

    /// <summary>Shape, type, device and values (TorchSharp's Julia style).</summary>
    public static string TensorHtml(torch.Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return "<pre>" + Encode(tensor.ToString(TensorStringStyle.Julia, newLine: "\n")) + "</pre>";
    }

    /// <summary>
    /// An HTML table of the first <paramref name="maxRows"/> rows (column names with their types as the header),
    /// followed by the total row count.
    /// </summary>
    public static string DataFrameHtml(DataFrame frame, int maxRows = MaxDataFrameRows)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRows);
        var html = new StringBuilder("<table class=\"mlnetmlm-dataframe\"><thead><tr><th></th>");
        foreach (var column in frame.Columns)
            html.Append("<th>").Append(Encode(column.Name)).Append("<br/><small>").Append(Encode(TypeName(column.DataType))).Append("</small></th>");
        html.Append("</tr></thead><tbody>");
        long shown = Math.Min(frame.Rows.Count, maxRows);
        for (long i = 0; i < shown; i++)
        {
            html.Append("<tr><th>").Append(i).Append("</th>");
            foreach (var column in frame.Columns)
                html.Append("<td>").Append(Encode(CellText(column[i]))).Append("</td>");
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");
        string count = frame.Rows.Count == shown ? $"{frame.Rows.Count} rows" : $"first {shown} of {frame.Rows.Count} rows";
        return html.Append("<p><small>").Append(count).Append(" × ").Append(frame.Columns.Count).Append(" columns</small></p>").ToString();
    }

    /// <summary>The same as <see cref="DataFrameHtml"/>, as plain text with aligned columns.</summary>
    public static string DataFrameText(DataFrame frame, int maxRows = MaxDataFrameRows)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRows);
        long shown = Math.Min(frame.Rows.Count, maxRows);
        var rows = new List<string[]> { frame.Columns.Select(c => c.Name).ToArray() };
        for (long i = 0; i < shown; i++)
            rows.Add(frame.Columns.Select(c => CellText(c[i]).ReplaceLineEndings(" ")).ToArray());
        int[] widths = Enumerable.Range(0, frame.Columns.Count).Select(j => rows.Max(r => r[j].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
            text.Append(string.Join("  ", row.Select((cell, j) => cell.PadRight(widths[j]))).TrimEnd()).Append('\n');
        string count = frame.Rows.Count == shown ? $"{frame.Rows.Count} rows" : $"first {shown} of {frame.Rows.Count} rows";
        return text.Append('(').Append(count).Append(" × ").Append(frame.Columns.Count).Append(" columns)").ToString();
    }

    /// <summary>
    /// The candidates of each mask as a table (rank, probability, token, id, filled-in text), best first;
    /// one table per mask when the text has several.
    /// </summary>
    public static string FillMaskHtml(FillMaskPrediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        if (prediction.MaskCount <= 0)
            return "<p class=\"mlnetmlm-fill-mask\">No " + Encode(Tokenization.RobertaTokenizer.MaskTokenText) + " in the text.</p>";
        var html = new StringBuilder("<div class=\"mlnetmlm-fill-mask\">");
        for (int mask = 0; mask < prediction.MaskCount; mask++)
        {
            if (prediction.MaskCount > 1)
                html.Append("<p><strong>mask ").Append(mask + 1).Append(" of ").Append(prediction.MaskCount).Append("</strong></p>");
            html.Append("<table><thead><tr><th>#</th><th>score</th><th>token</th><th>id</th><th>sequence</th></tr></thead><tbody>");
            int rank = 0;
            foreach (var c in prediction.Candidates(mask))
            {
                html.Append("<tr><th>").Append(++rank).Append("</th><td>").Append(Score(c.Score))
                    // Quoted, so that the leading space of a word-start token (" spiral") stays visible.
                    .Append("</td><td><code>").Append(Encode(Quote(c.TokenStr))).Append("</code></td><td>").Append(c.Token)
                    .Append("</td><td>").Append(Encode(c.Sequence)).Append("</td></tr>");
            }
            html.Append("</tbody></table>");
        }
        return html.Append("</div>").ToString();
    }

    /// <summary>The same as <see cref="FillMaskHtml"/>, as plain text with aligned columns.</summary>
    public static string FillMaskText(FillMaskPrediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        if (prediction.MaskCount <= 0)
            return $"No {Tokenization.RobertaTokenizer.MaskTokenText} in the text.";
        var text = new StringBuilder();
        for (int mask = 0; mask < prediction.MaskCount; mask++)
        {
            if (prediction.MaskCount > 1)
                text.Append(mask > 0 ? "\n" : "").Append("mask ").Append(mask + 1).Append(" of ").Append(prediction.MaskCount).Append('\n');
            var rows = new List<string[]> { new[] { "#", "score", "token", "id", "sequence" } };
            rows.AddRange(prediction.Candidates(mask).Select((c, i) => new[] { (i + 1).ToString(CultureInfo.InvariantCulture), Score(c.Score), Quote(c.TokenStr), c.Token.ToString(CultureInfo.InvariantCulture), c.Sequence.ReplaceLineEndings(" ") }));
            text.Append(Aligned(rows));
        }
        return text.ToString().TrimEnd('\n');
    }

    /// <summary>Totals of a training run and a table of its evaluations (loss, perplexity, masked-token accuracy).</summary>
    public static string MetricsHtml(TrainingMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var html = new StringBuilder("<div class=\"mlnetmlm-metrics\"><p>").Append(Encode(Totals(metrics))).Append("</p>");
        if (metrics.Evaluations.Count > 0)
        {
            html.Append("<table><thead><tr><th>step</th><th>epoch</th><th>loss</th><th>perplexity</th><th>accuracy</th><th>masked tokens</th></tr></thead><tbody>");
            foreach (var e in metrics.Evaluations)
            {
                html.Append("<tr>");
                foreach (string cell in EvaluationCells(e))
                    html.Append("<td>").Append(Encode(cell)).Append("</td>");
                html.Append("</tr>");
            }
            html.Append("</tbody></table>");
        }
        else
        {
            html.Append("<p>No evaluations (set <code>EvaluationData</code> to measure held-out loss and perplexity).</p>");
        }
        return html.Append("</div>").ToString();
    }

    /// <summary>The same as <see cref="MetricsHtml"/>, as plain text.</summary>
    public static string MetricsText(TrainingMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (metrics.Evaluations.Count == 0)
            return Totals(metrics) + "\nNo evaluations.";
        var rows = new List<string[]> { new[] { "step", "epoch", "loss", "perplexity", "accuracy", "masked tokens" } };
        rows.AddRange(metrics.Evaluations.Select(EvaluationCells));
        return Totals(metrics) + "\n" + Aligned(rows).TrimEnd('\n');
    }

    private static string LossChartText(LossChart chart)
    {
        var m = chart.Metrics;
        string Range(IReadOnlyList<double> losses) => losses.Count == 0 ? "none" : string.Create(CultureInfo.InvariantCulture, $"{losses[0]:F3} → {losses[^1]:F3}");
        return $"{chart.Title}: training loss {Range(m.TrainLog.Select(e => e.Loss).ToList())} ({m.TrainLog.Count} points), " +
               $"evaluation loss {Range(m.Evaluations.Select(e => e.Loss).ToList())} ({m.Evaluations.Count} points)";
    }

    private static string Totals(TrainingMetrics m) =>
        string.Create(CultureInfo.InvariantCulture, $"{m.TotalSteps} steps in {m.TrainSeconds:F1} s ({m.TokensPerSecond:F0} tokens/s)");

    private static string[] EvaluationCells(EvaluationEntry e) =>
    [
        e.Step.ToString(CultureInfo.InvariantCulture),
        e.Epoch.ToString("F2", CultureInfo.InvariantCulture),
        e.Loss.ToString("F4", CultureInfo.InvariantCulture),
        e.Perplexity.ToString("F1", CultureInfo.InvariantCulture),
        e.Accuracy.ToString("P1", CultureInfo.InvariantCulture),
        e.MaskedTokens.ToString(CultureInfo.InvariantCulture),
    ];

    private static string Score(float score) => score.ToString("F4", CultureInfo.InvariantCulture);

    private static string Quote(string token) => "\"" + token + "\"";

    private static string Aligned(List<string[]> rows)
    {
        int[] widths = Enumerable.Range(0, rows[0].Length).Select(j => rows.Max(r => r[j].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
            text.Append(string.Join("  ", row.Select((cell, j) => cell.PadRight(widths[j]))).TrimEnd()).Append('\n');
        return text.ToString();
    }

    private static string CellText(object? value)
    {
        switch (value)
        {
            case null: return "";
            case string s: return s;
            case ReadOnlyMemory<char> m: return m.ToString();
        }
        var type = value.GetType();
        // ML.NET vector cells (e.g. answers.text). VBuffer's own enumerator throws on an empty default
        // buffer, which ToDataFrame gives for an empty array; its dense values do not.
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(VBuffer<>))
            return ListText((System.Collections.IEnumerable)type.GetMethod(nameof(VBuffer<int>.DenseValues))!.Invoke(value, null)!);
        return value is System.Collections.IEnumerable items ? ListText(items) : value.ToString() ?? "";
    }

    private static string ListText(System.Collections.IEnumerable items) =>
        "[" + string.Join(", ", items.Cast<object?>().Select(i => i is string or ReadOnlyMemory<char> ? $"\"{i}\"" : CellText(i))) + "]";

    private static string TypeName(Type type) =>
        type.IsGenericType ? $"{type.Name[..type.Name.IndexOf('`')]}<{string.Join(", ", type.GetGenericArguments().Select(TypeName))}>" : type.Name;

    private static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");
}
