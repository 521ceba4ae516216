using System.Buffers;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace MlNetMlm.Tokenization;

/// <summary>
/// Splits text into the pieces RoBERTa's byte-level BPE encodes one by one, as Hugging Face does:
/// added tokens are cut out of the raw text first (honouring their left/right strip flags), then every
/// stretch between them is split with GPT-2's rule
/// <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>.
/// The rule is applied by hand over whole Unicode scalars: .NET's <c>Regex</c> looks at UTF-16 units and
/// mis-splits letters outside the BMP, and a hand-written scanner is also several times faster.
/// Lone surrogates must already be replaced (see <see cref="RobertaTokenizer"/>).
/// </summary>
internal sealed class RobertaWordSplitter : PreTokenizer
{
    private readonly AddedToken[] _added;
    private readonly SearchValues<char> _addedFirstChars;

    public RobertaWordSplitter(IEnumerable<AddedToken> addedTokens)
    {
        // Longest first, so that at one position the longest token wins (as HF's matcher does).
        _added = addedTokens.Where(t => t.Content.Length > 0).OrderByDescending(t => t.Content.Length).ToArray();
        _addedFirstChars = SearchValues.Create(_added.Select(t => t.Content[0]).Distinct().ToArray());
    }

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => Split(text ?? string.Empty);

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text.ToString());

    private IEnumerable<(int Offset, int Length)> Split(string text)
    {
        int position = 0;
        while (position < text.Length)
        {
            int tokenAt = FindAddedToken(text, position, out AddedToken? token);
            int wordsEnd = tokenAt < 0 ? text.Length : tokenAt;
            if (token is { LeftStrip: true })
                while (wordsEnd > position && char.IsWhiteSpace(text[wordsEnd - 1])) wordsEnd--;

            for (int i = position; i < wordsEnd;)
            {
                int length = NextPieceLength(text, i, wordsEnd);
                yield return (i, length);
                i += length;
            }

            if (token is null) yield break;
            yield return (tokenAt, token.Content.Length);
            position = tokenAt + token.Content.Length;
            if (token.RightStrip)
                while (position < text.Length && char.IsWhiteSpace(text[position])) position++;
        }
    }

    /// <summary>Leftmost added token at or after <paramref name="from"/>; -1 if none.</summary>
    private int FindAddedToken(string text, int from, out AddedToken? found)
    {
        found = null;
        if (_added.Length == 0) return -1;
        while (from < text.Length)
        {
            int at = text.AsSpan(from).IndexOfAny(_addedFirstChars);
            if (at < 0) return -1;
            at += from;
            foreach (var candidate in _added)
            {
                if (text.AsSpan(at).StartsWith(candidate.Content, StringComparison.Ordinal))
                {
                    found = candidate;
                    return at;
                }
            }
            from = at + 1;
        }
        return -1;
    }

    private enum CharClass : byte { Letter, Number, Space, Other }

    private static CharClass ClassAt(string text, int index, int end, out int width)
    {
        char c = text[index];
        if (c < 128)
        {
            width = 1;
            return s_asciiClass[c];
        }
        if (char.IsHighSurrogate(c) && index + 1 < end && char.IsLowSurrogate(text[index + 1]))
        {
            width = 2;
            var rune = new Rune(c, text[index + 1]);
            return Rune.IsLetter(rune) ? CharClass.Letter : Rune.IsNumber(rune) ? CharClass.Number : Rune.IsWhiteSpace(rune) ? CharClass.Space : CharClass.Other;
        }
        width = 1;
        return char.IsLetter(c) ? CharClass.Letter : char.IsNumber(c) ? CharClass.Number : char.IsWhiteSpace(c) ? CharClass.Space : CharClass.Other;
    }

    private static readonly CharClass[] s_asciiClass = BuildAsciiClasses();

    private static CharClass[] BuildAsciiClasses()
    {
        var classes = new CharClass[128];
        for (int c = 0; c < 128; c++)
            classes[c] = char.IsAsciiLetter((char)c) ? CharClass.Letter
                : char.IsAsciiDigit((char)c) ? CharClass.Number
                : char.IsWhiteSpace((char)c) ? CharClass.Space
                : CharClass.Other;
        return classes;
    }

    /// <summary>Length (in UTF-16 units) of the GPT-2 piece starting at <paramref name="start"/>, never past <paramref name="end"/>.</summary>
    internal static int NextPieceLength(string text, int start, int end)
    {
        char first = text[start];

        // The contractions come first in the rule and are case-sensitive.
        if (first == '\'' && start + 1 < end)
        {
            char second = text[start + 1];
            if (second is 's' or 't' or 'm' or 'd') return 2;
            if (start + 2 < end)
            {
                char third = text[start + 2];
                if ((second == 'r' && third == 'e') || (second == 'v' && third == 'e') || (second == 'l' && third == 'l')) return 3;
            }
        }

        // " ?X+" for X = letters, numbers, or anything else that is not whitespace: one plain space may lead.
        int runStart = start;
        if (first == ' ' && start + 1 < end && ClassAt(text, start + 1, end, out _) != CharClass.Space)
            runStart = start + 1;

        CharClass kind = ClassAt(text, runStart, end, out int width);
        int i = runStart + width;
        while (i < end && ClassAt(text, i, end, out width) == kind) i += width;

        if (kind != CharClass.Space) return i - start;

        // "\s+(?!\S)" leaves the last whitespace character for the word that follows it; at the end of
        // the stretch, or when the run is a single character ("\s+"), the whole run is taken.
        int length = i - start;
        return i < end && length > 1 ? length - 1 : length;
    }
}
