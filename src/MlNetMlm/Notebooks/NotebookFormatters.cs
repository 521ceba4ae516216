using System.Net;
using System.Text;
using Microsoft.Data.Analysis;
using Microsoft.ML.Data;
using MlNetMlm.Interop;
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
    ];

    /// <summary>A small table: whether and how TorchSharp's native libraries were loaded.</summary>
    public static string TorchStatusHtml(TorchNativeStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var rows = new List<(string, string?)>
        {
            ("loaded", status.Loaded ? "yes" : "no"),
            ("method", status.Method),
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
