using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace MlNetMlm.NotebookRunner;

/// <summary>What the runner saw: read by the notebook test.</summary>
public sealed class RunReport
{
    public List<CellReport> Cells { get; } = [];
    public string? Failure { get; set; }
    public string? ProbeValue { get; set; }
    public double Seconds { get; set; }
}

/// <summary>One output of a cell: <c>display</c>, <c>return</c>, <c>stdout</c> or <c>stderr</c>, as MIME type → text.</summary>
public sealed record OutputReport(string Kind, Dictionary<string, string> Data, string? ValueId = null);

public sealed class CellReport
{
    public int Number { get; init; }
    public string Code { get; init; } = "";
    public List<OutputReport> Outputs { get; } = [];
    public string? Error { get; set; }
    public double Seconds { get; set; }

    /// <summary>Folds a submission's events into outputs (in order; updated displays replaced) and its error.</summary>
    public static CellReport From(int number, string code, IEnumerable<KernelEvent> events)
    {
        var cell = new CellReport { Number = number, Code = code };
        var errors = new List<string>();
        foreach (var e in events)
        {
            switch (e)
            {
                case DisplayedValueUpdated updated:
                    int at = cell.Outputs.FindIndex(o => o.ValueId is not null && o.ValueId == updated.ValueId);
                    var replacement = new OutputReport("display", Data(updated), updated.ValueId);
                    if (at >= 0) cell.Outputs[at] = replacement; else cell.Outputs.Add(replacement);
                    break;
                case ReturnValueProduced returned when returned.FormattedValues.Any(v => !v.SuppressDisplay):
                    cell.Outputs.Add(new OutputReport("return", Data(returned)));
                    break;
                case StandardOutputValueProduced stdout:
                    AddStream(cell, "stdout", stdout);
                    break;
                case StandardErrorValueProduced stderr:
                    AddStream(cell, "stderr", stderr);
                    break;
                case ErrorProduced error:
                    errors.Add(error.Message);
                    break;
                case CommandFailed failed:
                    errors.Add(string.IsNullOrWhiteSpace(failed.Message) && failed.Exception is { } ex ? ex.ToString() : failed.Message);
                    break;
                // Last: errors, returns and streams are display events too.
                case DisplayEvent displayed and not ReturnValueProduced:
                    cell.Outputs.Add(new OutputReport("display", Data(displayed), displayed.ValueId));
                    break;
            }
        }
        // The kernel often reports one error twice (ErrorProduced, then CommandFailed): keep each text once.
        var distinct = errors.Where(e => !string.IsNullOrWhiteSpace(e)).Distinct().ToList();
        distinct.RemoveAll(e => distinct.Any(other => other != e && other.Contains(e, StringComparison.Ordinal)));
        if (errors.Count > 0)
            cell.Error = distinct.Count > 0 ? string.Join(Environment.NewLine, distinct) : "(the kernel reported a failure without a message)";
        return cell;
    }

    /// <summary>Both text/html and text/plain where the value allows, so that any notebook viewer shows something.</summary>
    private static Dictionary<string, string> Data(DisplayEvent e)
    {
        var data = e.FormattedValues.Where(v => !v.SuppressDisplay).ToDictionary(v => v.MimeType, v => v.Value);
        if (e.Value is not null && e.Value is not string)
        {
            foreach (string mime in new[] { HtmlFormatter.MimeType, PlainTextFormatter.MimeType })
            {
                if (data.ContainsKey(mime)) continue;
                // The kernel only formatted the preferred type; another one is a bonus, and the default
                // formatters do fail on some values (e.g. ML.NET's empty VBuffer inside a DataFrame).
                try { data[mime] = e.Value.ToDisplayString(mime); }
                catch (Exception) { }
            }
        }
        return data;
    }

    private static void AddStream(CellReport cell, string name, DisplayEvent e)
    {
        string text = string.Concat(e.FormattedValues.Select(v => v.Value));
        if (cell.Outputs.Count > 0 && cell.Outputs[^1].Kind == name)
            cell.Outputs[^1].Data[PlainTextFormatter.MimeType] += text;
        else
            cell.Outputs.Add(new OutputReport(name, new() { [PlainTextFormatter.MimeType] = text }));
    }

    /// <summary>
    /// The outputs as notebook output elements (what Jupyter calls display_data, execute_result, stream),
    /// each text passed through <paramref name="rewrite"/>.
    /// </summary>
    public IEnumerable<InteractiveDocumentOutputElement> ToDocumentOutputs(Func<string, string> rewrite)
    {
        foreach (var o in Outputs)
        {
            var data = o.Data.ToDictionary(d => d.Key, d => (object)rewrite(d.Value));
            yield return o.Kind switch
            {
                "return" => Returned(data),
                "stdout" or "stderr" => new TextElement(rewrite(o.Data[PlainTextFormatter.MimeType]), o.Kind),
                _ => new DisplayElement(data),
            };
        }
    }

    private static ReturnValueElement Returned(Dictionary<string, object> data)
    {
        var element = new ReturnValueElement();
        foreach (var (mime, value) in data) element.Data[mime] = value;
        return element;
    }
}
