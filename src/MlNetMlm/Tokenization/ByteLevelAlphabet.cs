namespace MlNetMlm.Tokenization;

/// <summary>
/// GPT-2's reversible byte ↔ character table. Byte-level BPE vocabularies spell every token as a
/// string of these characters, one per UTF-8 byte: bytes that are visible Latin-1 characters stand for
/// themselves, and the other 68 (controls, space, DEL, the C1 range, NBSP, soft hyphen) are moved, in
/// byte order, to U+0100..U+0143 so that no token holds whitespace or control characters (space is 'Ġ').
/// </summary>
internal static class ByteLevelAlphabet
{
    private const int MovedBase = 0x100;

    /// <summary>The character that stands for each byte value.</summary>
    public static IReadOnlyList<char> ByteToChar => s_byteToChar;

    private static readonly char[] s_byteToChar = BuildTable();
    private static readonly short[] s_charToByte = BuildReverse(s_byteToChar);

    private static bool StandsForItself(int b) => b is >= 33 and <= 126 or >= 161 and <= 172 or >= 174 and <= 255;

    private static char[] BuildTable()
    {
        var table = new char[256];
        int moved = 0;
        for (int b = 0; b < 256; b++)
            table[b] = StandsForItself(b) ? (char)b : (char)(MovedBase + moved++);
        return table;
    }

    private static short[] BuildReverse(char[] table)
    {
        var reverse = new short[MovedBase + 68];
        Array.Fill(reverse, (short)-1);
        for (int b = 0; b < 256; b++) reverse[table[b]] = (short)b;
        return reverse;
    }

    /// <summary>The byte a vocabulary character stands for, or false if it is not one of the 256.</summary>
    public static bool TryGetByte(char c, out byte value)
    {
        if (c < s_charToByte.Length && s_charToByte[c] >= 0)
        {
            value = (byte)s_charToByte[c];
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>Spells raw bytes the way a byte-level vocabulary does.</summary>
    public static string Spell(ReadOnlySpan<byte> bytes)
    {
        Span<char> chars = bytes.Length <= 256 ? stackalloc char[bytes.Length] : new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = s_byteToChar[bytes[i]];
        return new string(chars);
    }
}
