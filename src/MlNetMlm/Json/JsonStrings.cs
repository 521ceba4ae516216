using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace MlNetMlm.Json;

/// <summary>
/// Reads JSON strings the way Python's <c>json</c> module does: an escaped lone surrogate such as
/// <c>"\ud800"</c> stays a lone UTF-16 unit (.NET strings can hold one), where System.Text.Json would throw.
/// Text written by Python's <c>json.dumps</c> can contain such escapes.
/// </summary>
internal static class JsonStrings
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Read(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // Lone surrogate escapes (or invalid UTF-8): decode the raw, still escaped text ourselves.
            return Unescape(reader.ValueSpan, reader.TokenStartIndex); // readers here always read one span, never a sequence
        }
    }

    private static string Unescape(ReadOnlySpan<byte> raw, long at)
    {
        var text = new StringBuilder(raw.Length);
        while (!raw.IsEmpty)
        {
            int slash = raw.IndexOf((byte)'\\');
            var run = slash < 0 ? raw : raw[..slash];
            try
            {
                text.Append(StrictUtf8.GetString(run));
            }
            catch (DecoderFallbackException)
            {
                throw new JsonValueMismatchException(at, "a string holds bytes that are not valid UTF-8");
            }
            if (slash < 0) break;
            // The reader has already checked the escapes' syntax.
            byte kind = raw[slash + 1];
            if (kind == (byte)'u')
            {
                Utf8Parser.TryParse(raw.Slice(slash + 2, 4), out ushort unit, out _, 'x');
                text.Append((char)unit);
                raw = raw[(slash + 6)..];
            }
            else
            {
                text.Append(kind switch { (byte)'b' => '\b', (byte)'f' => '\f', (byte)'n' => '\n', (byte)'r' => '\r', (byte)'t' => '\t', _ => (char)kind });
                raw = raw[(slash + 2)..];
            }
        }
        return text.ToString();
    }
}
