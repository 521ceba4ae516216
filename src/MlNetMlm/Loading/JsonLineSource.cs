using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace MlNetMlm.Loading;

/// <summary>
/// Reads the records of one or more JSON sources in order, as UTF-8 bytes, holding one record (plus a read
/// buffer) in memory at a time. A source whose text starts with <c>[</c> is one JSON array and its records are
/// the array's elements (a <see cref="Utf8JsonReader"/> over the buffered stream finds where each ends); any
/// other source is JSON Lines and its records are its lines. Drops a UTF-8 byte-order mark at the start of each
/// source and the <c>\r</c> of <c>\r\n</c> endings; decompresses gzip (recognised by its header, whatever the file name).
/// </summary>
internal sealed class JsonLineSource : IDisposable
{
    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    private readonly IReadOnlyList<JsonLinesInput> _inputs;
    private int _next;
    private Stream? _stream;
    private bool _atStart;
    private bool _eof;
    private byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;
    private int _lineStart;
    private int _lineLength;

    // JSON array sources: the reader's state between elements and where _start is in the text.
    private bool _array;
    private JsonReaderState _state;
    private long _bufferLine;      // 1-based line of _buffer[_start]
    private int _bufferColumn;     // characters between the last line break and _buffer[_start]
    private long _bufferByteColumn; // the same in bytes, as the reader counts
    private int _recordColumn;     // 1-based character column where the current record starts
    private long _element;

    public JsonLineSource(IReadOnlyList<JsonLinesInput> inputs) => _inputs = inputs;

    /// <summary>The current record: a line without its line ending, or an array element.</summary>
    public ReadOnlySpan<byte> Line => _buffer.AsSpan(_lineStart, _lineLength);

    /// <summary>The name of the source the current record is from.</summary>
    public string Name { get; private set; } = "";

    /// <summary>The 1-based number of the line within its source where the current record starts.</summary>
    public long LineNumber { get; private set; }

    public bool MoveNext()
    {
        while (true)
        {
            if (_stream is null && !OpenNext()) return false;
            if (_array)
            {
                if (NextElement()) return true;
                continue;
            }
            int newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                TakeLine(newline, newline + 1);
                return true;
            }
            if (_eof)
            {
                if (_end > _start) // last line without a newline
                {
                    TakeLine(_end - _start, _end - _start);
                    return true;
                }
                CloseCurrent();
                continue;
            }
            Fill();
        }
    }

    /// <summary>
    /// Line and 1-based character column of a byte offset in the current record (for lines, the line itself;
    /// for array elements, counted from where the element starts).
    /// </summary>
    public (long Line, int Column) Locate(long offset)
    {
        var before = Line[..(int)Math.Clamp(offset, 0, _lineLength)];
        int breaks = before.Count((byte)'\n');
        if (breaks == 0) return (LineNumber, (_array ? _recordColumn - 1 : 0) + Encoding.UTF8.GetCharCount(before) + 1);
        return (LineNumber + breaks, Encoding.UTF8.GetCharCount(before[(before.LastIndexOf((byte)'\n') + 1)..]) + 1);
    }

    /// <summary>The byte offset in the current record of a <see cref="JsonException"/>'s position (0-based line and byte in line, counted from the record's start).</summary>
    public long OffsetOf(long lineInRecord, long byteInLine)
    {
        var record = Line;
        int at = 0;
        for (long l = 0; l < lineInRecord; l++)
        {
            int next = record[at..].IndexOf((byte)'\n');
            if (next < 0) break;
            at += next + 1;
        }
        return at + byteInLine;
    }

    private void TakeLine(int length, int consumed)
    {
        _lineStart = _start;
        _lineLength = length;
        if (_atStart)
        {
            _atStart = false;
            if (Line.StartsWith(Bom)) { _lineStart += 3; _lineLength -= 3; }
        }
        if (_lineLength > 0 && _buffer[_lineStart + _lineLength - 1] == (byte)'\r') _lineLength--;
        _start += consumed;
        LineNumber++;
    }

    /// <summary>Finds the next element of the array; false at its end (the source is then closed).</summary>
    private bool NextElement()
    {
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _eof, _state);
            try
            {
                if (!reader.Read()) { More(); continue; }
                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    Advance(reader.BytesConsumed);
                    _state = reader.CurrentState;
                    RequireEnd();
                    CloseCurrent();
                    return false;
                }
                if (reader.CurrentDepth == 0) // the opening '['
                {
                    Advance(reader.BytesConsumed);
                    _state = reader.CurrentState;
                    continue;
                }
                long start = reader.TokenStartIndex;
                if (!reader.TrySkip()) { More(); continue; }
                Advance(start);
                _recordColumn = _bufferColumn + 1;
                LineNumber = _bufferLine;
                _lineStart = _start;
                _lineLength = (int)(reader.BytesConsumed - start);
                Advance(reader.BytesConsumed - start);
                _state = reader.CurrentState;
                _element++;
                return true;
            }
            catch (JsonException e)
            {
                throw SyntaxError(e);
            }
        }
    }

    /// <summary>Reads more of the source; at its end the array is unfinished.</summary>
    private void More()
    {
        if (_eof) throw new JsonLinesFormatException(Name, _bufferLine, _bufferColumn + 1, $"the JSON array ends early, after {_element} element(s) (is the file cut short?)");
        Fill();
    }

    /// <summary>After the closing ']' only white space may follow.</summary>
    private void RequireEnd()
    {
        while (true)
        {
            var rest = _buffer.AsSpan(_start, _end - _start);
            int other = rest.IndexOfAnyExcept(" \t\r\n"u8);
            if (other >= 0)
            {
                Advance(other);
                throw new JsonLinesFormatException(Name, _bufferLine, _bufferColumn + 1, "expected nothing after the JSON array's closing ']'");
            }
            Advance(rest.Length);
            if (_eof) return;
            Fill();
        }
    }

    /// <summary>Moves <see cref="_start"/> on by <paramref name="bytes"/>, keeping its line and column.</summary>
    private void Advance(long bytes)
    {
        var passed = _buffer.AsSpan(_start, (int)bytes);
        int breaks = passed.Count((byte)'\n');
        if (breaks == 0)
        {
            _bufferColumn += Encoding.UTF8.GetCharCount(passed);
            _bufferByteColumn += passed.Length;
        }
        else
        {
            _bufferLine += breaks;
            var last = passed[(passed.LastIndexOf((byte)'\n') + 1)..];
            _bufferColumn = Encoding.UTF8.GetCharCount(last);
            _bufferByteColumn = last.Length;
        }
        _start += (int)bytes;
    }

    /// <summary>A syntax error in the array: the reader's position (line and byte in line, kept across buffers) as line and character column.</summary>
    private JsonLinesFormatException SyntaxError(JsonException e)
    {
        long line = (e.LineNumber ?? 0) + 1;
        long byteInLine = e.BytePositionInLine ?? 0;
        var rest = _buffer.AsSpan(_start, _end - _start);
        int column;
        if (line == _bufferLine)
            column = _bufferColumn + 1 + Encoding.UTF8.GetCharCount(rest[..(int)Math.Clamp(byteInLine - _bufferByteColumn, 0, rest.Length)]);
        else
        {
            int at = 0;
            for (long l = _bufferLine; l < line && at <= rest.Length; l++)
            {
                int next = rest[at..].IndexOf((byte)'\n');
                if (next < 0) break;
                at += next + 1;
            }
            column = Encoding.UTF8.GetCharCount(rest.Slice(at, (int)Math.Clamp(byteInLine, 0, rest.Length - at))) + 1;
        }
        string message = e.Message;
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut > 0) message = message[..cut];
        return new JsonLinesFormatException(Name, line, column, $"invalid JSON in element {_element + 1} of the array: {message.TrimEnd()}", e);
    }

    /// <summary>Reads more bytes, moving the unread part to the front and growing the buffer for long records.</summary>
    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        int read = _stream!.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _eof = true;
        _end += read;
    }

    private bool OpenNext()
    {
        if (_next >= _inputs.Count) return false;
        var input = _inputs[_next++];
        Name = input.Name;
        LineNumber = 0;
        _start = _end = 0;
        _eof = false;
        _atStart = true;
        var stream = input.Open();
        _stream = IsGzip(stream) ? new GZipStream(stream, CompressionMode.Decompress) : stream;
        _array = StartsArray();
        if (_array)
        {
            _state = new JsonReaderState(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            _bufferLine = 1;
            _bufferColumn = 0;
            _bufferByteColumn = 0;
            _element = 0;
        }
        return true;
    }

    /// <summary>Whether the text starts (after a byte-order mark and white space) with '['; drops the mark if it is there.</summary>
    private bool StartsArray()
    {
        while (true)
        {
            var text = _buffer.AsSpan(_start, _end - _start);
            int skip = text.StartsWith(Bom) ? 3 : 0;
            int first = text[skip..].IndexOfAnyExcept(" \t\r\n"u8);
            if ((first < 0 || text.Length < 3) && !_eof) { Fill(); continue; }
            if (first < 0 || text[skip + first] != (byte)'[') return false;
            _start += skip;
            _atStart = false;
            return true;
        }
    }

    /// <summary>Checks for the gzip magic bytes, then goes back to the start. (Sources here are files and resources, which can seek.)</summary>
    private static bool IsGzip(Stream stream)
    {
        if (!stream.CanSeek) return false;
        Span<byte> magic = stackalloc byte[2];
        int got = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        stream.Position = 0;
        return got == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
    }

    private void CloseCurrent()
    {
        _stream?.Dispose();
        _stream = null;
    }

    public void Dispose() => CloseCurrent();
}
