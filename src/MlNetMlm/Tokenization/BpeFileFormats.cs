using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MlNetMlm.Tokenization;

/// <summary>One line of merges.txt: merge <see cref="Left"/> and <see cref="Right"/>; earlier lines win.</summary>
internal readonly record struct MergeRule(string Left, string Right, int Line);

/// <summary>What a tokenizer folder holds once read: vocabulary, merges in priority order, added tokens.</summary>
internal sealed record BpeModelData(Dictionary<string, int> Vocabulary, List<MergeRule> Merges, List<AddedToken> AddedTokens);

/// <summary>
/// Reads and writes Hugging Face's byte-level BPE files: <c>vocab.json</c> (token → id),
/// <c>merges.txt</c> (one "left right" pair a line after a <c>#version</c> header) and <c>tokenizer.json</c>.
/// Errors name the file and where in it the problem is.
/// </summary>
internal static class BpeFileFormats
{
    public static Dictionary<string, int> ReadVocabulary(Stream stream, string source)
    {
        byte[] bytes = ReadAll(stream, source);
        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = false });
            return ReadVocabularyObject(document.RootElement, source, bytes, "the top level");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1} of that line): {FirstSentence(e.Message)}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidDataException($"{source}: a token is not a valid string ({FirstSentence(e.Message)})", e);
        }
    }

    private static Dictionary<string, int> ReadVocabularyObject(JsonElement element, string source, byte[]? bytes, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{source}: expected a JSON object mapping token to id at {where}, found {element.ValueKind}.");
        var vocabulary = new Dictionary<string, int>(capacity: 60_000, StringComparer.Ordinal);
        var seenIds = new Dictionary<int, string>(capacity: 60_000);
        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out int id) || id < 0)
                throw new InvalidDataException($"{source}: the id of token \"{property.Name}\" {Where(bytes, property.Name)}must be a non-negative integer, found {property.Value.GetRawText()}.");
            if (!vocabulary.TryAdd(property.Name, id))
                throw new InvalidDataException($"{source}: token \"{property.Name}\" appears twice.");
            if (!seenIds.TryAdd(id, property.Name))
                throw new InvalidDataException($"{source}: id {id} is given to both \"{seenIds[id]}\" and \"{property.Name}\".");
        }
        if (vocabulary.Count == 0) throw new InvalidDataException($"{source}: the vocabulary is empty.");
        return vocabulary;
    }

    /// <summary>"(line N) " for the first occurrence of a key in the raw file, to point at a bad entry.</summary>
    private static string Where(byte[]? bytes, string key)
    {
        if (bytes is null) return "";
        byte[] needle = Encoding.UTF8.GetBytes("\"" + JsonEncodedText.Encode(key, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value + "\"");
        int at = bytes.AsSpan().IndexOf(needle);
        if (at < 0) return "";
        int line = 1 + bytes.AsSpan(0, at).Count((byte)'\n');
        return $"(line {line}) ";
    }

    public static List<MergeRule> ReadMerges(Stream stream, string source)
    {
        var merges = new List<MergeRule>(capacity: 50_000);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0 || (line.StartsWith("#version", StringComparison.Ordinal))) continue;
            int space = line.IndexOf(' ');
            if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
                throw new InvalidDataException($"{source}, line {lineNumber}: expected two tokens separated by one space, found \"{Truncate(line)}\".");
            merges.Add(new MergeRule(line[..space], line[(space + 1)..], lineNumber));
        }
        return merges;
    }

    public static BpeModelData ReadTokenizerJson(Stream stream, string source)
    {
        try
        {
            return ReadTokenizerJsonBytes(ReadAll(stream, source), source);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidDataException($"{source}: a value has the wrong type or is not a valid string ({FirstSentence(e.Message)})", e);
        }
    }

    private static BpeModelData ReadTokenizerJsonBytes(byte[] bytes, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1} of that line): {FirstSentence(e.Message)}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{source}: expected an object with a \"model\" object (a Hugging Face tokenizer.json).");
            if (model.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() != "BPE")
                throw new InvalidDataException($"{source}: model.type is \"{type.GetString()}\"; only byte-level \"BPE\" models (RoBERTa, GPT-2) are supported.");
            RejectUnsupportedSettings(root, model, source);
            if (!model.TryGetProperty("vocab", out var vocabElement))
                throw new InvalidDataException($"{source}: model.vocab is missing.");
            var vocabulary = ReadVocabularyObject(vocabElement, source, bytes, "model.vocab");

            var merges = new List<MergeRule>(capacity: 50_000);
            if (model.TryGetProperty("merges", out var mergesElement))
            {
                if (mergesElement.ValueKind != JsonValueKind.Array)
                    throw new InvalidDataException($"{source}: model.merges must be an array.");
                int index = 0;
                foreach (var item in mergesElement.EnumerateArray())
                {
                    index++;
                    merges.Add(ReadMergeItem(item, source, index));
                }
            }

            var added = new List<AddedToken>();
            if (root.TryGetProperty("added_tokens", out var addedElement) && addedElement.ValueKind == JsonValueKind.Array)
            {
                int index = 0;
                foreach (var item in addedElement.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.Object
                        || !item.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String
                        || !item.TryGetProperty("id", out var id) || !id.TryGetInt32(out int idValue) || idValue < 0)
                        throw new InvalidDataException($"{source}: added_tokens[{index}] needs a string \"content\" and a non-negative integer \"id\".");
                    if (Flag(item, "single_word"))
                        throw new InvalidDataException($"{source}: added token \"{content.GetString()}\" is single_word, which is not supported.");
                    added.Add(new AddedToken(content.GetString()!, idValue,
                        LeftStrip: Flag(item, "lstrip"), RightStrip: Flag(item, "rstrip"), IsSpecial: Flag(item, "special")));
                    index++;
                }
            }
            return new BpeModelData(vocabulary, merges, added);
        }
    }

    /// <summary>
    /// Settings that would change the ids and that this tokenizer does not implement are refused rather than
    /// silently ignored: only RoBERTa/GPT-2-style byte-level BPE (no normalizer, ByteLevel pre-tokenizer
    /// without prefix space, no subword prefix or suffix) is read.
    /// </summary>
    private static void RejectUnsupportedSettings(JsonElement root, JsonElement model, string source)
    {
        if (root.TryGetProperty("normalizer", out var normalizer) && normalizer.ValueKind != JsonValueKind.Null)
            throw new InvalidDataException($"{source}: normalizer {Describe(normalizer)} is not supported (RoBERTa has none).");
        if (root.TryGetProperty("pre_tokenizer", out var pre) && pre.ValueKind != JsonValueKind.Null)
        {
            bool byteLevel = pre.ValueKind == JsonValueKind.Object && pre.TryGetProperty("type", out var preType) && preType.ValueKind == JsonValueKind.String && preType.GetString() == "ByteLevel";
            if (!byteLevel)
                throw new InvalidDataException($"{source}: pre_tokenizer {Describe(pre)} is not supported; RoBERTa uses ByteLevel.");
            if (Flag(pre, "add_prefix_space"))
                throw new InvalidDataException($"{source}: pre_tokenizer ByteLevel with add_prefix_space=true is not supported.");
        }
        foreach (string affix in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
            if (model.TryGetProperty(affix, out var value) && value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0)
                throw new InvalidDataException($"{source}: model.{affix} \"{value.GetString()}\" is not supported by byte-level BPE.");
        if (Flag(model, "ignore_merges"))
            throw new InvalidDataException($"{source}: model.ignore_merges=true is not supported.");
    }

    private static string Describe(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("type", out var type) ? $"of type \"{type}\"" : Truncate(element.GetRawText());

    private static bool Flag(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    /// <summary>A merge is either "left right" (older files) or ["left", "right"] (newer ones).</summary>
    private static MergeRule ReadMergeItem(JsonElement item, string source, int index)
    {
        if (item.ValueKind == JsonValueKind.String)
        {
            string text = item.GetString()!;
            int space = text.IndexOf(' ');
            if (space <= 0 || space == text.Length - 1 || text.IndexOf(' ', space + 1) >= 0)
                throw new InvalidDataException($"{source}: model.merges[{index - 1}] must be \"left right\", found \"{Truncate(text)}\".");
            return new MergeRule(text[..space], text[(space + 1)..], index);
        }
        if (item.ValueKind == JsonValueKind.Array && item.GetArrayLength() == 2
            && item[0].ValueKind == JsonValueKind.String && item[1].ValueKind == JsonValueKind.String)
        {
            string left = item[0].GetString()!, right = item[1].GetString()!;
            if (left.Length == 0 || right.Length == 0 || left.Contains(' ') || right.Contains(' '))
                throw new InvalidDataException($"{source}: model.merges[{index - 1}] holds an empty token or one with a space, which merges.txt cannot express.");
            return new MergeRule(left, right, index);
        }
        throw new InvalidDataException($"{source}: model.merges[{index - 1}] must be a \"left right\" string or a [left, right] pair, found {Truncate(item.GetRawText())}.");
    }

    /// <summary>Writes vocab.json: tokens in id order, non-ASCII characters kept as they are (as HF writes it).</summary>
    public static void WriteVocabulary(Stream stream, IReadOnlyList<string?> idToToken)
    {
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.WriteStartObject();
        for (int id = 0; id < idToToken.Count; id++)
            if (idToToken[id] is { } token) writer.WriteNumber(token, id);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Writes merges.txt. The header line matters: Hugging Face's Python loader drops the first line
    /// and the text after the last newline unread.
    /// </summary>
    public static void WriteMerges(Stream stream, IReadOnlyList<MergeRule> merges)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 16, leaveOpen: true) { NewLine = "\n" };
        writer.WriteLine("#version: 0.2");
        foreach (var merge in merges)
        {
            writer.Write(merge.Left);
            writer.Write(' ');
            writer.WriteLine(merge.Right);
        }
    }


    private static byte[] ReadAll(Stream stream, string source)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        byte[] bytes = buffer.ToArray();
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
            throw new InvalidDataException($"{source} is not valid UTF-8 (is the file in another encoding?).");
        return bytes;
    }

    private static string Truncate(string text) => text.Length <= 60 ? text : text[..60] + "…";

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
