using System.IO.Compression;
using System.Text;

namespace MlNetMlm.Loading;

/// <summary>The kinds of data file MlNetMlm reads.</summary>
public enum DataFormat
{
    /// <summary>Apache Parquet (<c>.parquet</c>): <c>LoadFromParquet</c>.</summary>
    Parquet,

    /// <summary>JSON (<c>.json</c>, <c>.json.gz</c>): an array of objects, or one object a line; <c>LoadFromJsonLines</c>.</summary>
    Json,

    /// <summary>JSON Lines (<c>.jsonl</c>, <c>.jsonl.gz</c>, <c>.ndjson</c>): one object a line; <c>LoadFromJsonLines</c>.</summary>
    JsonLines,

    /// <summary>Comma-separated values with a header line (<c>.csv</c>).</summary>
    Csv,

    /// <summary>Plain text, one example a line (<c>.txt</c>).</summary>
    Text,
}

/// <summary>
/// The one rule for which format a data file is in: its extension, or a format named by the user; and, for the
/// text formats, a look at the start of the file so that binary data (NUL bytes, bytes that are not UTF-8) is an
/// error rather than text to train on.
/// </summary>
public static class DataFormats
{
    /// <summary>The names <see cref="Parse"/> takes, as the command line's <c>--format</c> lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["parquet", "json", "jsonl", "csv", "text"];

    private const int Sniffed = 64 * 1024;

    /// <summary>A format by name (<c>parquet</c>, <c>json</c>, <c>jsonl</c>, <c>csv</c>, <c>text</c>; case-insensitive).</summary>
    public static DataFormat Parse(string name) => name.ToLowerInvariant() switch
    {
        "parquet" => DataFormat.Parquet,
        "json" => DataFormat.Json,
        "jsonl" or "ndjson" => DataFormat.JsonLines,
        "csv" => DataFormat.Csv,
        "text" or "txt" => DataFormat.Text,
        _ => throw new ArgumentException($"unknown data format '{name}'; use one of {string.Join(", ", Names)}.", nameof(name)),
    };

    /// <summary>
    /// The format of <paramref name="path"/>: <paramref name="format"/> when given, else by extension (<c>.parquet</c>,
    /// <c>.json</c>, <c>.json.gz</c>, <c>.jsonl</c>, <c>.jsonl.gz</c>, <c>.ndjson</c>, <c>.csv</c>, <c>.txt</c>). An
    /// unknown extension, or a text format whose file starts with binary data, is an <see cref="InvalidDataException"/>
    /// naming the file.
    /// </summary>
    public static DataFormat Of(string path, string? format = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var result = format is not null ? Parse(format) : FromExtension(path);
        if (result != DataFormat.Parquet) RequireText(path);
        return result;
    }

    private static DataFormat FromExtension(string path)
    {
        string name = Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".parquet", StringComparison.Ordinal)) return DataFormat.Parquet;
        if (name.EndsWith(".json", StringComparison.Ordinal) || name.EndsWith(".json.gz", StringComparison.Ordinal)) return DataFormat.Json;
        if (name.EndsWith(".jsonl", StringComparison.Ordinal) || name.EndsWith(".jsonl.gz", StringComparison.Ordinal) || name.EndsWith(".ndjson", StringComparison.Ordinal)) return DataFormat.JsonLines;
        if (name.EndsWith(".csv", StringComparison.Ordinal)) return DataFormat.Csv;
        if (name.EndsWith(".txt", StringComparison.Ordinal)) return DataFormat.Text;
        throw new InvalidDataException($"{path}: the extension does not say the format; name the file .parquet, .json, .json.gz, .jsonl, .jsonl.gz, .csv or .txt, or give the format ({string.Join(", ", Names)}).");
    }

    /// <summary>Refuses a file whose first 64 KiB (decompressed when gzip) hold a NUL byte or bytes that are not UTF-8.</summary>
    public static void RequireText(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"data file '{path}' not found.", path);
        var head = new byte[Sniffed];
        int length;
        using (var file = File.OpenRead(path))
        {
            Span<byte> magic = stackalloc byte[2];
            bool gzip = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
            file.Position = 0;
            using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
            try
            {
                length = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{path}: the gzip data is damaged ({e.Message}).", e);
            }
        }
        var text = head.AsSpan(0, length);
        int nul = text.IndexOf((byte)0);
        if (nul >= 0)
            throw new InvalidDataException($"{path}: binary data (a NUL byte at byte {nul}), not text{Hint(text)}.");
        int at = 0;
        while (at < text.Length)
        {
            var status = Rune.DecodeFromUtf8(text[at..], out _, out int consumed);
            if (status == System.Buffers.OperationStatus.NeedMoreData && length == Sniffed) break; // a character cut by the 64 KiB window
            if (status != System.Buffers.OperationStatus.Done)
            {
                // The JSON loader's words and position (file:line:column), so that every reader states this one rule alike.
                int lineStart = text[..at].LastIndexOf((byte)'\n') + 1;
                int line = text[..at].Count((byte)'\n') + 1;
                throw new InvalidDataException($"{path}:{line}:{at - lineStart + 1}: the line is not valid UTF-8 (byte {at} of the file){Hint(text)}.");
            }
            at += consumed;
        }
    }

    private static string Hint(ReadOnlySpan<byte> head) => head.StartsWith("PAR1"u8)
        ? "; it is a Parquet file: name it .parquet or give the format parquet"
        : "; give a .parquet, JSON, CSV or text file";
}
