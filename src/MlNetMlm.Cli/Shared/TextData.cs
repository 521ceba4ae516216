using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.DataView;
using MlNetMlm.Loading;

namespace MlNetMlm.Cli.Shared;

/// <summary>
/// Reads training or evaluation text from Parquet, JSON (arrays or lines), CSV or plain-text files (the format by
/// the library's rule, <see cref="DataFormats"/>) as an <see cref="IDataView"/> plus the steps that make its scalar
/// text column <see cref="Column"/>: a JSON field or Parquet column by dotted path (nested objects and structs
/// flattened; a list of strings joined with a space; a JSON record that is a bare string is that text), a CSV
/// column by header name, or one example per non-blank line of a text file. A Parquet file with an <c>input_ids</c> list column is prepared blocks.
/// </summary>
internal static class TextData
{
    /// <summary>The text column every command tokenizes.</summary>
    public const string Column = ColumnNames.Text;

    /// <summary>The names <c>--format</c> takes (the library's one rule: <see cref="DataFormats"/>).</summary>
    public static readonly string[] Formats = [.. DataFormats.Names];

    /// <summary>The column that marks prepared blocks (<c>mlnet-mlm prepare</c>'s output, or 🤗 run_mlm's group_texts): token ids, no text.</summary>
    public const string BlocksColumn = ColumnNames.InputIds;

    public sealed class TextRow
    {
        [ColumnName(Column)]
        public string Text { get; set; } = "";
    }

    /// <summary>
    /// What was loaded: the data, the steps that make <see cref="Column"/> from it (null when it is there already),
    /// and whether it is prepared blocks (an <see cref="BlocksColumn"/> list of ids, Int32 already) that skip tokenizing and grouping.
    /// </summary>
    public sealed record Loaded(IDataView Data, IEstimator<ITransformer>? ToText, string Description, bool PreparedBlocks = false);

    public static Loaded Load(MLContext ml, IReadOnlyList<string> paths, string? format, string? textColumn)
    {
        if (paths.Count == 0) throw new CliException("no data file given (--data FILE).");
        foreach (var path in paths)
            if (!File.Exists(path)) throw new CliException(Directory.Exists(path) ? $"'{path}' is a folder; --data takes files." : $"data file '{path}' not found.");
        List<DataFormat> formats;
        try
        {
            formats = paths.Select(p => DataFormats.Of(p, format)).Distinct().ToList();
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw new CliException(e.Message);
        }
        if (formats.Count > 1) throw new CliException($"the data files have different formats ({string.Join(", ", formats)}); give files of one format, or --format.");
        string files = string.Join(", ", paths.Select(p => $"'{p}'"));
        return formats[0] switch
        {
            DataFormat.Json or DataFormat.JsonLines =>
                FromColumns(ml, ml.Data.LoadFromJsonLines(paths, new JsonLinesOptions { Flatten = true, BareStringColumn = textColumn ?? Column }), textColumn ?? Column,
                    formats[0] == DataFormat.JsonLines ? "JSONL field" : "JSON field", files, blocks: false),
            DataFormat.Parquet => LoadParquet(ml, paths, textColumn, files),
            DataFormat.Csv => new Loaded(ml.Data.LoadFromEnumerable(CsvTexts(paths, textColumn ?? Column)), null, $"CSV column '{textColumn ?? Column}' of {files}"),
            _ => new Loaded(ml.Data.LoadFromEnumerable(LineTexts(paths)), null, $"lines of {files}"),
        };
    }

    private static Loaded LoadParquet(MLContext ml, IReadOnlyList<string> paths, string? textColumn, string files)
    {
        IDataView data;
        try
        {
            data = ml.Data.LoadFromParquet(paths, new ParquetOptions { Flatten = true });
        }
        catch (InvalidDataException e)
        {
            throw new CliException(e.Message);
        }
        // Prepared blocks: token ids already grouped; read as numbers, converted back to Int32 ids.
        bool blocks = textColumn is null && data.Schema.GetColumnOrNull(BlocksColumn) is { Type: VectorDataViewType { ItemType: NumberDataViewType } };
        return FromColumns(ml, data, blocks ? BlocksColumn : textColumn ?? Column, "Parquet column", files, blocks);
    }

    private static Loaded FromColumns(MLContext ml, IDataView data, string textColumn, string what, string files, bool blocks)
    {
        var column = data.Schema.GetColumnOrNull(textColumn);
        if (column is null)
        {
            var present = data.Schema.Where(c => !c.IsHidden).Select(c => c.Name);
            throw new CliException($"column '{textColumn}' not found in {files}; columns present: {string.Join(", ", present)}. Choose one with --text-column (nested fields by dotted path, e.g. answers.text).");
        }
        if (blocks)
        {
            bool hasMask = data.Schema.GetColumnOrNull(ColumnNames.AttentionMask) is { Type: VectorDataViewType { ItemType: NumberDataViewType } };
            IEstimator<ITransformer> toIds = hasMask
                ? ml.Transforms.CustomMapping<StoredBlock, BlockIds>((stored, ids) => { ids.InputIds = ToInt(stored.InputIds); ids.AttentionMask = ToInt(stored.AttentionMask); }, contractName: null)
                : ml.Transforms.CustomMapping<StoredIds, BlockIdsOnly>((stored, ids) => ids.InputIds = ToInt(stored.InputIds), contractName: null);
            return new Loaded(data, toIds, $"prepared blocks ('{BlocksColumn}') of {files}", PreparedBlocks: true);
        }
        IEstimator<ITransformer>? toText = column.Value.Type switch
        {
            VectorDataViewType { ItemType: TextDataViewType } => ml.Transforms.Text.JoinText(Column, textColumn),
            TextDataViewType when textColumn == Column => null,
            TextDataViewType => ml.Transforms.CopyColumns(Column, textColumn),
            var type => throw new CliException($"column '{textColumn}' of {files} holds {type}, not text or a list of texts."),
        };
        return new Loaded(data, toText, $"{what} '{textColumn}' of {files}");
    }

    // Parquet lists of ints load as Single vectors (the JSON loader's number type); token ids are Int32.
    private static int[] ToInt(float[] values) => Array.ConvertAll(values, v => (int)v);

    private class StoredIds { [ColumnName(BlocksColumn), VectorType] public float[] InputIds { get; set; } = []; }

    private sealed class StoredBlock : StoredIds { [ColumnName(ColumnNames.AttentionMask), VectorType] public float[] AttentionMask { get; set; } = []; }

    private class BlockIdsOnly { [ColumnName(BlocksColumn), VectorType] public int[] InputIds { get; set; } = []; }

    private sealed class BlockIds : BlockIdsOnly { [ColumnName(ColumnNames.AttentionMask), VectorType] public int[] AttentionMask { get; set; } = []; }

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
