using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MlNetMlm.Json;

namespace MlNetMlm.Loading;

/// <summary>
/// A streaming <see cref="IDataView"/> over JSON Lines sources: nothing is kept between passes, and
/// every cursor reads the sources again from the start, one line at a time. The row count is unknown
/// until read (<see cref="GetRowCount"/> is null) and rows come in file order (no random access).
/// </summary>
internal sealed class JsonLinesDataView : IDataView
{
    internal const string Component = "LoadFromJsonLines";

    private JsonLinesDataView(IHost host, IReadOnlyList<JsonLinesInput> inputs, IReadOnlyList<JsonColumn> columns, JsonLinesOptions options)
    {
        Host = host;
        Inputs = inputs;
        Columns = columns;
        Options = options;
        Layout = JsonLayout.Build(columns, splitDots: options.Flatten);
        if (options.BareStringColumn is { } bare)
        {
            int slot = columns.ToList().FindIndex(c => c.Name == bare);
            Strings = new JsonObjectReader.BareStrings(bare, slot >= 0 && columns[slot].Kind == JsonColumnKind.Text ? slot : -1);
        }
        var builder = new DataViewSchema.Builder();
        foreach (var column in columns) builder.AddColumn(column.Name, JsonColumnTypes.TypeOf(column.Kind, options.UseDouble));
        Schema = builder.ToSchema();
    }

    internal IHost Host { get; }

    internal IReadOnlyList<JsonLinesInput> Inputs { get; }

    internal IReadOnlyList<JsonColumn> Columns { get; }

    internal JsonLinesOptions Options { get; }

    internal JsonLayout Layout { get; }

    /// <summary>Where records that are a bare JSON string go (<see cref="JsonLinesOptions.BareStringColumn"/>), or null.</summary>
    internal JsonObjectReader.BareStrings? Strings { get; }

    /// <summary>Whether the columns were inferred (mentioned in mismatch messages, which then suggest giving them).</summary>
    internal bool Inferred => Options.Columns is null;

    public DataViewSchema Schema { get; }

    public bool CanShuffle => false;

    public long? GetRowCount() => null;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new JsonLinesCursor(this, columnsNeeded);

    // One sequential reader: splitting a text stream into parallel cursors would need a second reader per file.
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    public static JsonLinesDataView Create(IHostEnvironment env, IReadOnlyList<JsonLinesInput> inputs, JsonLinesOptions? options)
    {
        ArgumentNullException.ThrowIfNull(env);
        options ??= new JsonLinesOptions();
        if (inputs.Count == 0) throw new ArgumentException($"{Component}: no files given.", nameof(inputs));
        if (options.InferenceRows < 1) throw new ArgumentOutOfRangeException(nameof(options), $"{Component}: InferenceRows must be at least 1, not {options.InferenceRows}.");
        if (options.BareStringColumn is "") throw new ArgumentException($"{Component}: BareStringColumn is empty; give a column name, or null.", nameof(options));
        var host = env.Register(Component);
        IReadOnlyList<JsonColumn> columns;
        if (options.Columns is { } given)
        {
            if (given.Count == 0) throw new ArgumentException($"{Component}: Columns was given but is empty.", nameof(options));
            columns = [.. given];
            if (options.BareStringColumn is { } bare && !columns.Any(c => c.Name == bare && c.Kind == JsonColumnKind.Text))
                throw new ArgumentException($"{Component}: BareStringColumn '{bare}' must be one of Columns, of kind Text; Columns are {string.Join(", ", columns.Select(c => $"{c.Name} ({c.Kind})"))}.", nameof(options));
        }
        else
            columns = Infer(host, inputs, options);
        return new JsonLinesDataView(host, inputs, columns, options);
    }

    private static IReadOnlyList<JsonColumn> Infer(IHost host, IReadOnlyList<JsonLinesInput> inputs, JsonLinesOptions options)
    {
        var inference = new JsonSchemaInference(nest: options.Flatten);
        int rows = 0, skipped = 0;
        using (var lines = new JsonLineSource(inputs))
        {
            while (rows < options.InferenceRows && lines.MoveNext())
            {
                if (IsBlank(lines.Line)) continue;
                try
                {
                    RequireUtf8(lines.Line);
                    inference.Observe(lines.Line, "", $"{lines.Name}:{lines.LineNumber}", options.BareStringColumn);
                    rows++;
                }
                catch (Exception e) when (e is JsonException or JsonValueMismatchException)
                {
                    var error = Describe(lines, e, inferred: false);
                    if (!options.SkipBadLines) throw error;
                    skipped++;
                }
            }
        }
        using var ch = host.Start(Component);
        if (skipped > 0) ch.Warning($"{Component}: skipped {skipped} bad line(s) while inferring the columns.");
        var columns = inference.Columns();
        if (columns.Count == 0)
            throw new InvalidDataException($"{Component}: no fields found in the first {rows} row(s) of {string.Join(", ", inputs.Select(i => i.Name))}; is the data empty?");
        ch.Info($"{Component}: inferred {columns.Count} column(s) from {rows} row(s): {string.Join(", ", columns.Select(c => $"{c.Name} ({c.Kind})"))}.");
        return columns;
    }

    internal static bool IsBlank(ReadOnlySpan<byte> line) => line.IndexOfAnyExcept(" \t\r"u8) < 0;

    /// <summary>Refuses a line that is not valid UTF-8, pointing at the first bad byte (a fast check; almost every line passes).</summary>
    internal static void RequireUtf8(ReadOnlySpan<byte> line)
    {
        if (System.Text.Unicode.Utf8.IsValid(line)) return;
        int at = 0;
        while (System.Text.Rune.DecodeFromUtf8(line[at..], out _, out int consumed) == System.Buffers.OperationStatus.Done) at += consumed;
        throw new JsonValueMismatchException(at, "the line is not valid UTF-8 (is the file in another encoding?)");
    }

    /// <summary>The error for the current record of <paramref name="lines"/>, with file, line and column.</summary>
    internal static JsonLinesFormatException Describe(JsonLineSource lines, Exception e, bool inferred)
    {
        switch (e)
        {
            case JsonException json:
                string message = json.Message;
                int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
                if (cut > 0) message = message[..cut];
                var (line, column) = lines.Locate(lines.OffsetOf(json.LineNumber ?? 0, json.BytePositionInLine ?? 0));
                return new JsonLinesFormatException(lines.Name, line, column, $"invalid JSON: {message.TrimEnd()}", e);
            case JsonValueMismatchException mismatch:
                string hint = inferred ? " (the columns were inferred from the first rows; give JsonLinesOptions.Columns, or set SkipBadLines)" : "";
                var (at, col) = lines.Locate(mismatch.BytePosition);
                return new JsonLinesFormatException(lines.Name, at, col, mismatch.Message + hint, e);
            default:
                throw new ArgumentException("Not a JSON error.", nameof(e), e);
        }
    }
}
