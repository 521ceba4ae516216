using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Cli.Commands;

/// <summary>
/// <c>mlnet-mlm tokenize</c>: RoBERTa tokenization as a filter over JSON Lines, so the tokenizer can be
/// checked from outside (for example against Hugging Face's output).
/// </summary>
/// <remarks>
/// Input is read line by line from standard input and each result is written as soon as its line is read.
/// Blank lines are skipped. Encoding (the default): each line is a JSON string, or an object whose text is
/// at the dotted path <c>--field</c> (default <c>text</c>; an array of strings there is joined with one space);
/// each output line is the JSON array of ids, or with <c>--tokens</c> the object
/// <c>{"ids":[...],"tokens":[...]}</c> where tokens are the vocabulary strings (byte-level spelling, e.g. "Ġworld").
/// With <c>--decode</c>, each input line is a JSON array of ids and each output line the decoded text as a
/// JSON string. A bad line stops the command with its line number on standard error and exit code 1.
/// </remarks>
internal static class TokenizeCommand
{
    private static readonly JsonSerializerOptions s_json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create(TextReader input, TextWriter output, TextWriter error)
    {
        var tokenizerOption = new Option<DirectoryInfo?>("--tokenizer")
        {
            Description = "Hugging Face tokenizer folder (vocab.json + merges.txt, or tokenizer.json). Default: the offline GPT-2-based default (not roberta-base ids).",
        };
        var fieldOption = new Option<string>("--field")
        {
            Description = "Dotted path of the text in each JSON object, e.g. answers.text (an array of strings is joined with one space).",
            DefaultValueFactory = _ => "text",
        };
        var tokensOption = new Option<bool>("--tokens") { Description = "Write {\"ids\":[...],\"tokens\":[...]} instead of the bare id array." };
        var decodeOption = new Option<bool>("--decode") { Description = "Read JSON arrays of ids and write the decoded text as JSON strings." };
        var skipSpecialOption = new Option<bool>("--skip-special-tokens") { Description = "With --decode: leave out <s>, </s>, <pad>, <mask> and the like." };
        var noSpecialOption = new Option<bool>("--no-special-tokens") { Description = "Do not frame each encoding with <s> … </s>." };

        var command = new Command("tokenize", "Tokenize JSON Lines from standard input with RoBERTa's byte-level BPE (one JSON array of ids per line), or decode ids with --decode.")
        {
            tokenizerOption, fieldOption, tokensOption, decodeOption, skipSpecialOption, noSpecialOption,
        };
        command.SetAction(parse => Run(
            input, output, error,
            parse.GetValue(tokenizerOption)?.FullName,
            parse.GetValue(fieldOption) ?? "text",
            parse.GetValue(tokensOption),
            parse.GetValue(decodeOption),
            parse.GetValue(skipSpecialOption),
            addSpecialTokens: !parse.GetValue(noSpecialOption)));
        return command;
    }

    internal static int Run(TextReader input, TextWriter output, TextWriter error, string? tokenizerDirectory, string field,
        bool withTokens, bool decode, bool skipSpecialTokens, bool addSpecialTokens)
    {
        if (decode && withTokens)
        {
            error.WriteLine("tokenize: --tokens and --decode cannot be used together.");
            return 1;
        }

        RobertaTokenizer tokenizer;
        try
        {
            tokenizer = tokenizerDirectory is null ? RobertaTokenizer.Default : RobertaTokenizer.FromDirectory(tokenizerDirectory);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or InvalidOperationException)
        {
            error.WriteLine($"tokenize: cannot load the tokenizer: {e.Message}");
            return 1;
        }

        string[] path = field.Split('.');
        var line = new StringBuilder();
        int lineNumber = 0;
        while (input.ReadLine() is { } text)
        {
            lineNumber++;
            // A UTF-8 byte-order mark may survive decoding at the start of the stream; it is not part of the JSON.
            if (lineNumber == 1 && text.StartsWith('\uFEFF')) text = text[1..];
            if (string.IsNullOrWhiteSpace(text)) continue;
            try
            {
                line.Clear();
                if (decode) WriteDecoded(tokenizer, text, skipSpecialTokens, line);
                else WriteEncoded(tokenizer, ExtractText(text, path, field), addSpecialTokens, withTokens, line);
            }
            catch (Exception e) when (e is JsonException or InputLineException or ArgumentOutOfRangeException)
            {
                output.Flush();
                string reason = e is JsonException json ? $"not valid JSON at byte {json.BytePositionInLine + 1}: {FirstSentence(json.Message)}" : e.Message;
                error.WriteLine($"tokenize: line {lineNumber}: {reason}");
                return 1;
            }
            output.WriteLine(line);
        }
        output.Flush();
        return 0;
    }

    internal sealed class InputLineException(string message) : Exception(message);

    /// <summary>The text at a dotted field of one JSON line (a JSON string is taken whole; an array of strings is joined with one space).</summary>
    internal static string ExtractText(string jsonLine, string[] path, string field)
    {
        using var document = JsonDocument.Parse(jsonLine);
        var element = document.RootElement;
        if (element.ValueKind == JsonValueKind.String) return element.GetString()!;
        if (element.ValueKind != JsonValueKind.Object)
            throw new InputLineException($"expected a JSON string or object, found {Describe(element.ValueKind)}.");

        for (int i = 0; i < path.Length; i++)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(path[i], out element))
                throw new InputLineException($"field '{field}' not found (no '{string.Join('.', path[..(i + 1)])}').");
        }
        return element.ValueKind switch
        {
            JsonValueKind.String => element.GetString()!,
            JsonValueKind.Array => string.Join(' ', element.EnumerateArray().Select((item, index) => item.ValueKind == JsonValueKind.String
                ? item.GetString()!
                : throw new InputLineException($"field '{field}' is an array whose item {index} is {Describe(item.ValueKind)}, not a string."))),
            _ => throw new InputLineException($"field '{field}' is {Describe(element.ValueKind)}, not a string or an array of strings."),
        };
    }

    private static void WriteEncoded(RobertaTokenizer tokenizer, string text, bool addSpecialTokens, bool withTokens, StringBuilder line)
    {
        int[] ids = tokenizer.EncodeToIds(text, addSpecialTokens);
        if (withTokens) line.Append("{\"ids\":");
        line.Append('[').AppendJoin(',', ids).Append(']');
        if (!withTokens) return;
        line.Append(",\"tokens\":[");
        for (int i = 0; i < ids.Length; i++)
        {
            if (i > 0) line.Append(',');
            line.Append(JsonSerializer.Serialize(tokenizer.ConvertIdToToken(ids[i]), s_json));
        }
        line.Append("]}");
    }

    private static void WriteDecoded(RobertaTokenizer tokenizer, string jsonLine, bool skipSpecialTokens, StringBuilder line)
    {
        using var document = JsonDocument.Parse(jsonLine);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Array)
            throw new InputLineException($"--decode expects a JSON array of ids, found {Describe(root.ValueKind)}.");
        var ids = new int[root.GetArrayLength()];
        int at = 0;
        foreach (var item in root.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out ids[at]))
                throw new InputLineException($"item {at} of the id array is {item.GetRawText()}, not an integer id.");
            if ((uint)ids[at] >= (uint)tokenizer.VocabularySize)
                throw new InputLineException($"id {ids[at]} (item {at}) is outside the vocabulary (size {tokenizer.VocabularySize}).");
            at++;
        }
        line.Append(JsonSerializer.Serialize(tokenizer.Decode(ids, skipSpecialTokens), s_json));
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };

    private static string FirstSentence(string message)
    {
        // System.Text.Json appends "LineNumber: … | BytePositionInLine: …" and "Path: …"; the position is reported separately.
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
