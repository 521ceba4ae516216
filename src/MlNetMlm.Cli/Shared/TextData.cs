using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.Cli.Shared;

/// <summary>
/// Reads training or evaluation text from JSON Lines, CSV or plain-text files as an <see cref="IDataView"/>
/// plus the steps that make its scalar text column <see cref="Column"/>: a JSONL field by dotted path (nested
/// objects flattened; a list of strings joined with a space), a CSV column by header name, or one example per
/// non-blank line of a text file.
/// </summary>
internal static class TextData
{
    /// <summary>The text column every command tokenizes.</summary>
    public const string Column = MlNetMlm.DataView.ColumnNames.Text;

    public static readonly string[] Formats = ["jsonl", "csv", "text"];

    public sealed class TextRow
    {
        [ColumnName(Column)]
        public string Text { get; set; } = "";
    }

    public sealed record Loaded(IDataView Data, IEstimator<ITransformer>? ToText, string Description);

    public static Loaded Load(MLContext ml, IReadOnlyList<string> paths, string? format, string? textColumn)
    {
        if (paths.Count == 0) throw new CliException("no data file given (--data FILE).");
        foreach (var path in paths)
            if (!File.Exists(path)) throw new CliException(Directory.Exists(path) ? $"'{path}' is a folder; --data takes files." : $"data file '{path}' not found.");
        var formats = paths.Select(p => format ?? FormatOf(p)).Distinct().ToList();
        if (formats.Count > 1) throw new CliException($"the data files have different formats ({string.Join(", ", formats)}); give files of one format, or --format.");
        string files = string.Join(", ", paths.Select(p => $"'{p}'"));
        return formats[0] switch
        {
            "jsonl" => LoadJsonLines(ml, paths, textColumn ?? Column, files),
            "csv" => new Loaded(ml.Data.LoadFromEnumerable(CsvTexts(paths, textColumn ?? Column)), null, $"CSV column '{textColumn ?? Column}' of {files}"),
            "text" => new Loaded(ml.Data.LoadFromEnumerable(LineTexts(paths)), null, $"lines of {files}"),
            var other => throw new CliException($"unknown format '{other}'; use jsonl, csv or text."),
        };
    }

    /// <summary>The format a file's name suggests: .jsonl/.json(.gz) → jsonl, .csv → csv, anything else → text.</summary>
    public static string FormatOf(string path)
    {
        string name = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? path[..^3] : path;
        string ext = Path.GetExtension(name).ToLowerInvariant();
        return ext switch { ".jsonl" or ".json" or ".ndjson" => "jsonl", ".csv" => "csv", _ => "text" };
    }

    private static Loaded LoadJsonLines(MLContext ml, IReadOnlyList<string> paths, string textColumn, string files)
    {
        var data = ml.Data.LoadFromJsonLines(paths, new Loading.JsonLinesOptions { Flatten = true });
        var column = data.Schema.GetColumnOrNull(textColumn);
        if (column is null)
        {
            var present = data.Schema.Where(c => !c.IsHidden).Select(c => c.Name);
            throw new CliException($"column '{textColumn}' not found in {files}; columns present: {string.Join(", ", present)}. Choose one with --text-column (nested fields by dotted path, e.g. answers.text).");
        }
        IEstimator<ITransformer>? toText = column.Value.Type switch
        {
            VectorDataViewType { ItemType: TextDataViewType } => ml.Transforms.Text.JoinText(Column, textColumn),
            TextDataViewType when textColumn == Column => null,
            TextDataViewType => ml.Transforms.CopyColumns(Column, textColumn),
            var type => throw new CliException($"column '{textColumn}' of {files} holds {type}, not text or a list of texts."),
        };
        return new Loaded(data, toText, $"JSONL field '{textColumn}' of {files}");
    }

    // Iterators, not lists: each ML.NET cursor (one per epoch) enumerates them again, reading the files afresh.
    private static IEnumerable<TextRow> LineTexts(IReadOnlyList<string> paths)
    {
        foreach (var path in paths)
            foreach (var line in File.ReadLines(path))
                if (!string.IsNullOrWhiteSpace(line)) yield return new TextRow { Text = line };
    }

    private static IEnumerable<TextRow> CsvTexts(IReadOnlyList<string> paths, string textColumn)
    {
        foreach (var path in paths)
        {
            int index = -1;
            foreach (var (line, fields) in CsvRecords.Read(path))
            {
                if (index < 0)
                {
                    index = fields.IndexOf(textColumn);
                    if (index < 0)
                        throw new CliException($"{path}:{line}: the header has no column '{textColumn}'; columns present: {string.Join(", ", fields)}. Choose one with --text-column.");
                    continue;
                }
                if (index >= fields.Count)
                    throw new CliException($"{path}:{line}: the record has {fields.Count} field(s), so no '{textColumn}' (column {index + 1}).");
                if (!string.IsNullOrWhiteSpace(fields[index])) yield return new TextRow { Text = fields[index] };
            }
            if (index < 0) throw new CliException($"{path}: the CSV file is empty (no header line).");
        }
    }

    /// <summary>Checks the header now, so a wrong --text-column fails before any model is built.</summary>
    public static void Preflight(Loaded loaded)
    {
        using var cursor = loaded.Data.GetRowCursor(loaded.Data.Schema);
        cursor.MoveNext();
    }
}
