using System.Text;

namespace MlNetMlm.Cli.Shared;

/// <summary>
/// Reads CSV records (RFC 4180: comma separator, double-quoted fields with "" for a quote, line breaks
/// allowed inside quotes), reporting each record with the line it starts on so errors can name it.
/// </summary>
internal static class CsvRecords
{
    public static IEnumerable<(int Line, List<string> Fields)> Read(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            int start = lineNumber;
            if (line.Length == 0) continue;
            var fields = new List<string>();
            var field = new StringBuilder();
            bool quoted = false;
            int i = 0;
            while (true)
            {
                if (i == line.Length)
                {
                    if (!quoted) break;
                    // A quoted field runs on over the line break.
                    line = reader.ReadLine() ?? throw new CliException($"{path}:{start}: a quoted field is never closed (the file ends inside it).");
                    lineNumber++;
                    field.Append('\n');
                    i = 0;
                    continue;
                }
                char c = line[i++];
                if (quoted)
                {
                    if (c != '"') field.Append(c);
                    else if (i < line.Length && line[i] == '"') { field.Append('"'); i++; }
                    else quoted = false;
                }
                else if (c == '"' && field.Length == 0) quoted = true;
                else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
                else field.Append(c);
            }
            fields.Add(field.ToString());
            yield return (start, fields);
        }
    }
}
