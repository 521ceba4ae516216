using System.Text;
using System.Text.Json;

namespace MlNetMlm.Json;

/// <summary>
/// Reads one JSON object into column slots following a <see cref="JsonLayout"/>. Fields that are not
/// in the layout are skipped (still checked for syntax); a value that does not fit its column's kind
/// raises <see cref="JsonValueMismatchException"/>; broken JSON raises <see cref="JsonException"/>.
/// </summary>
internal static class JsonObjectReader
{
    /// <summary>
    /// Reads the whole of <paramref name="utf8"/> as one object into <paramref name="slots"/> (cleared first).
    /// <paramref name="prefix"/> goes before field names in messages (e.g. <c>answers.</c>). With
    /// <paramref name="strings"/>, a text that is one JSON string is a row too: the string goes to that column.
    /// </summary>
    public static void ReadDocument(ReadOnlySpan<byte> utf8, JsonLayout layout, JsonSlot[] slots, string prefix = "", BareStrings? strings = null)
    {
        foreach (var slot in slots) slot.Clear();
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        string expected = strings is null ? "a JSON object ('{')" : "a JSON object ('{') or string";
        if (!reader.Read())
            throw new JsonValueMismatchException(0, $"expected {expected}, found nothing");
        bool isString = reader.TokenType == JsonTokenType.String && strings is not null;
        if (isString)
        {
            if (strings!.Slot < 0)
                throw new JsonValueMismatchException(reader.TokenStartIndex, $"a bare JSON string, but there is no text column '{strings.Column}' to hold it");
            string text = JsonStrings.Read(ref reader);
            if (slots[strings.Slot].Active) slots[strings.Slot].Text = text.AsMemory();
        }
        else if (reader.TokenType != JsonTokenType.StartObject)
            throw new JsonValueMismatchException(reader.TokenStartIndex, $"expected {expected}, found {Describe(reader.TokenType)}");
        else
            ReadObject(ref reader, utf8, layout, slots, prefix);
        if (reader.Read()) // throws on trailing garbage; a second value on the line ends up here
            throw new JsonValueMismatchException(reader.TokenStartIndex, $"expected nothing after the {(isString ? "string" : "object")}, found {Describe(reader.TokenType)}");
    }

    /// <summary>
    /// Records that are a bare JSON string (<c>"a text"</c>) rather than an object: each is a row whose text column
    /// <paramref name="Column"/> (slot <paramref name="Slot"/>; -1 when the columns have no such text column) holds it.
    /// </summary>
    internal sealed record BareStrings(string Column, int Slot);

    /// <summary>Reads the object whose <c>{</c> the reader is on; leaves the reader on its <c>}</c>.</summary>
    private static void ReadObject(ref Utf8JsonReader reader, ReadOnlySpan<byte> utf8, JsonLayout layout, JsonSlot[] slots, string prefix)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string key = JsonStrings.Read(ref reader);
            reader.Read();
            if (!layout.TryGet(key, out var field))
            {
                reader.Skip();
                continue;
            }
            string name = prefix.Length == 0 ? key : prefix + key;
            if (field.Nested is not null)
            {
                if (reader.TokenType == JsonTokenType.StartObject) ReadObject(ref reader, utf8, field.Nested, slots, name + ".");
                else if (reader.TokenType != JsonTokenType.Null)
                    throw new JsonValueMismatchException(reader.TokenStartIndex, $"field '{name}' should be an object, but is {Describe(reader.TokenType)}");
            }
            else
                ReadValue(ref reader, utf8, field.Kind, slots[field.Column], name);
        }
    }

    private static void ReadValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> utf8, JsonColumnKind kind, JsonSlot slot, string name)
    {
        var token = reader.TokenType;
        slot.Clear(); // a repeated field: the last one wins
        if (token == JsonTokenType.Null) return;
        switch (kind)
        {
            case JsonColumnKind.Json:
                long start = reader.TokenStartIndex;
                reader.Skip();
                // After Skip() the reader sits on the value's last token: the value is [start, BytesConsumed).
                if (slot.Active) slot.Text = Encoding.UTF8.GetString(utf8[(int)start..(int)reader.BytesConsumed]).AsMemory();
                return;
            case JsonColumnKind.Text when token == JsonTokenType.String:
                if (slot.Active) slot.Text = JsonStrings.Read(ref reader).AsMemory();
                return;
            case JsonColumnKind.Number when token == JsonTokenType.Number:
                slot.Number = Number(ref reader, name);
                return;
            case JsonColumnKind.Boolean when token is JsonTokenType.True or JsonTokenType.False:
                slot.Boolean = token == JsonTokenType.True;
                return;
            case JsonColumnKind.TextVector when token == JsonTokenType.StartArray:
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType == JsonTokenType.String) { if (slot.Active) slot.Texts.Add(JsonStrings.Read(ref reader).AsMemory()); }
                    else if (reader.TokenType == JsonTokenType.Null) { if (slot.Active) slot.Texts.Add(ReadOnlyMemory<char>.Empty); }
                    else throw Mismatch(ref reader, name, "an item of an array of strings", reader.TokenType);
                }
                return;
            case JsonColumnKind.NumberVector when token == JsonTokenType.StartArray:
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType == JsonTokenType.Number) slot.Numbers.Add(Number(ref reader, name));
                    else if (reader.TokenType == JsonTokenType.Null) slot.Numbers.Add(double.NaN);
                    else throw Mismatch(ref reader, name, "an item of an array of numbers", reader.TokenType);
                }
                return;
            default:
                throw Mismatch(ref reader, name, Expected(kind), token);
        }
    }

    // A number too large for Double (1e400) is refused rather than turned into infinity.
    private static double Number(ref Utf8JsonReader reader, string name) =>
        reader.TryGetDouble(out double value) && double.IsFinite(value)
            ? value
            : throw new JsonValueMismatchException(reader.TokenStartIndex, $"field '{name}' holds a number outside the range of Double");

    private static JsonValueMismatchException Mismatch(ref Utf8JsonReader reader, string name, string expected, JsonTokenType found) =>
        new(reader.TokenStartIndex, $"field '{name}' should be {expected}, but is {Describe(found)}");

    private static string Expected(JsonColumnKind kind) => kind switch
    {
        JsonColumnKind.Text => "a string",
        JsonColumnKind.Number => "a number",
        JsonColumnKind.Boolean => "true or false",
        JsonColumnKind.TextVector => "an array of strings",
        JsonColumnKind.NumberVector => "an array of numbers",
        _ => "any JSON value",
    };

    internal static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.EndObject => "'}'",
        JsonTokenType.EndArray => "']'",
        _ => token.ToString(),
    };
}
