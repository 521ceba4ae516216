using System.IO.Compression;

namespace MlNetMlm.Loading;

/// <summary>
/// Reads the lines of one or more JSON Lines sources in order, as UTF-8 bytes, holding one line (plus
/// a read buffer) in memory at a time. Drops a UTF-8 byte-order mark at the start of each source and
/// the <c>\r</c> of <c>\r\n</c> endings; decompresses gzip (recognised by its header, whatever the file name).
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

    public JsonLineSource(IReadOnlyList<JsonLinesInput> inputs) => _inputs = inputs;

    /// <summary>The current line, without its line ending.</summary>
    public ReadOnlySpan<byte> Line => _buffer.AsSpan(_lineStart, _lineLength);

    /// <summary>The name of the source the current line is from.</summary>
    public string Name { get; private set; } = "";

    /// <summary>The 1-based number of the current line within its source.</summary>
    public long LineNumber { get; private set; }

    public bool MoveNext()
    {
        while (true)
        {
            if (_stream is null && !OpenNext()) return false;
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

    /// <summary>Reads more bytes, moving the unread part to the front and growing the buffer for long lines.</summary>
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
        return true;
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
