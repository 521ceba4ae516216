namespace MlNetMlm.Loading;

/// <summary>
/// A JSON Lines line (or JSON array element) that is not a valid JSON object (or, when asked for, string), or whose value does not fit its column. The message
/// starts with <c>file:line:column:</c> (both 1-based; the column counts characters of the line).
/// </summary>
public sealed class JsonLinesFormatException : FormatException
{
    internal JsonLinesFormatException(string file, long line, int column, string problem, Exception? inner = null)
        : base($"{file}:{line}:{column}: {problem}", inner)
    {
        FilePath = file;
        Line = line;
        Column = column;
        Problem = problem;
    }

    /// <summary>The file (or resource) read.</summary>
    public string FilePath { get; }

    /// <summary>The 1-based line number.</summary>
    public long Line { get; }

    /// <summary>The 1-based character position within the line.</summary>
    public int Column { get; }

    /// <summary>What was wrong, without the position.</summary>
    public string Problem { get; }
}
