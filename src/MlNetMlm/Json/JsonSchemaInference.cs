using System.Text.Json;

namespace MlNetMlm.Json;

/// <summary>
/// Infers columns from sample JSON objects. Each field's kind comes from the values seen: strings →
/// Text, numbers → Number, booleans → Boolean, arrays of strings / numbers → vectors, objects →
/// Json (or, when nesting, dotted columns for their fields), anything else → Json. A field seen
/// only as null, or only as empty arrays, becomes Text, or TextVector. A field whose sampled values
/// disagree (a string on one line, a number on another) is refused at the value that disagrees, as
/// Hugging Face's loader refuses it: turning the column into JSON text would silently re-encode every
/// other line (quotes and escapes included), and reading the odd value as text would guess for the user.
/// </summary>
internal sealed class JsonSchemaInference
{
    private enum Seen { Nothing, Text, Number, Boolean, TextVector, NumberVector, EmptyArray, Json, Object }

    private sealed class Entry(string where)
    {
        public Seen Kind;
        public string FirstWhere = where;
    }

    private readonly bool _nest;
    private readonly Dictionary<string, Entry> _fields = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly List<(string Name, Seen Kind, long At)> _line = [];

    /// <param name="nest">Whether nested objects become dotted columns (flattening) rather than Json text.</param>
    public JsonSchemaInference(bool nest) => _nest = nest;

    /// <summary>
    /// Reads one object from <paramref name="utf8"/> and records its fields, named with <paramref name="prefix"/>
    /// in front. <paramref name="where"/> (e.g. <c>file:12</c>) is used in messages. Throws <see cref="JsonException"/>
    /// or <see cref="JsonValueMismatchException"/> when the text is not one JSON object.
    /// </summary>
    /// <remarks>
    /// With <paramref name="stringColumn"/>, a text that is one JSON string is a row too, a string in that column
    /// (<see cref="JsonObjectReader.BareStrings"/>).
    /// </remarks>
    public void Observe(ReadOnlySpan<byte> utf8, string prefix, string where, string? stringColumn = null)
    {
        var reader = new Utf8JsonReader(utf8);
        bool isString = reader.Read() && reader.TokenType == JsonTokenType.String && stringColumn is not null;
        if (!isString && reader.TokenType != JsonTokenType.StartObject)
            throw new JsonValueMismatchException(reader.TokenStartIndex, $"expected a JSON object ('{{'){(stringColumn is null ? "" : " or string")}, found {(reader.TokenType == JsonTokenType.None ? "nothing" : JsonObjectReader.Describe(reader.TokenType))}");
        // Syntax-check the whole text before recording anything, so a broken line adds no fields.
        var check = reader;
        if (isString) JsonStrings.Read(ref check); // a string whose bytes are not text is refused here too
        else check.Skip();
        if (check.Read())
            throw new JsonValueMismatchException(check.TokenStartIndex, $"expected nothing after the {(isString ? "string" : "object")}, found {JsonObjectReader.Describe(check.TokenType)}");
        // Collected first and checked as a whole, so a refused (or skipped) line records nothing.
        _line.Clear();
        if (isString) _line.Add((stringColumn!, Seen.Text, reader.TokenStartIndex));
        else ObserveObject(ref reader, prefix);
        foreach (var (name, kind, at) in _line) Check(name, kind, at, where);
        foreach (var (name, kind, _) in _line) Record(name, kind, where);
    }

    private void ObserveObject(ref Utf8JsonReader reader, string prefix)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = prefix + JsonStrings.Read(ref reader);
            reader.Read();
            long at = reader.TokenStartIndex;
            var kind = Classify(ref reader);
            _line.Add((name, kind, at));
            if (kind == Seen.Object) ObserveObject(ref reader, name + ".");
        }
    }

    /// <summary>The kind of the value at the reader; skips over it unless it is an object to nest into.</summary>
    private Seen Classify(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String: return Seen.Text;
            case JsonTokenType.Number: return Seen.Number;
            case JsonTokenType.True or JsonTokenType.False: return Seen.Boolean;
            case JsonTokenType.Null: return Seen.Nothing;
            case JsonTokenType.StartObject:
                if (_nest) return Seen.Object;
                reader.Skip();
                return Seen.Json;
        }
        // An array: its items decide.
        var items = Seen.EmptyArray;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var item = reader.TokenType switch
            {
                JsonTokenType.String => Seen.TextVector,
                JsonTokenType.Number => Seen.NumberVector,
                JsonTokenType.Null => Seen.EmptyArray,
                _ => Seen.Json,
            };
            if (item == Seen.Json || (items != Seen.EmptyArray && item != Seen.EmptyArray && item != items))
            {
                reader.Skip();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) reader.Skip();
                return Seen.Json; // list of lists, list of objects, or mixed items
            }
            if (item != Seen.EmptyArray) items = item;
        }
        return items;
    }

    /// <summary>Whether a value of <paramref name="kind"/> may join a field seen as <paramref name="seen"/>.</summary>
    private static bool Compatible(Seen seen, Seen kind) =>
        kind == seen || kind == Seen.Nothing || seen == Seen.Nothing
        || (seen == Seen.EmptyArray && kind is Seen.TextVector or Seen.NumberVector or Seen.Json)
        || (kind == Seen.EmptyArray && seen is Seen.TextVector or Seen.NumberVector or Seen.Json);

    private void Check(string name, Seen kind, long at, string where)
    {
        if (!_fields.TryGetValue(name, out var entry) || Compatible(entry.Kind, kind)) return;
        throw new JsonValueMismatchException(at,
            $"field '{name}' is {Name(kind)} here but {Name(entry.Kind)} at {entry.FirstWhere}; every line must give a field the same kind of value " +
            "(Hugging Face refuses such a file too). Fix the line, or give the columns with JsonLinesOptions.Columns (JsonColumnKind.Json keeps any value as its JSON text)");
    }

    private void Record(string name, Seen kind, string where)
    {
        if (!_fields.TryGetValue(name, out var entry))
        {
            _fields[name] = entry = new Entry(where);
            _order.Add(name);
        }
        if (kind == Seen.Nothing || kind == entry.Kind) return;
        // Check has ruled out conflicts: only a more precise kind (null → anything, [] → a typed array) is left.
        if (entry.Kind == Seen.Nothing || (entry.Kind == Seen.EmptyArray && kind != Seen.EmptyArray)) { entry.Kind = kind; entry.FirstWhere = where; }
    }

    /// <summary>The inferred columns in order of first appearance (objects that were nested into are not columns themselves).</summary>
    public IReadOnlyList<JsonColumn> Columns() =>
        _order.Select(name => (name, kind: _fields[name].Kind))
            .Where(f => f.kind != Seen.Object)
            .Select(f => new JsonColumn(f.name, f.kind switch
            {
                Seen.Nothing or Seen.Text => JsonColumnKind.Text,
                Seen.Number => JsonColumnKind.Number,
                Seen.Boolean => JsonColumnKind.Boolean,
                Seen.EmptyArray or Seen.TextVector => JsonColumnKind.TextVector,
                Seen.NumberVector => JsonColumnKind.NumberVector,
                _ => JsonColumnKind.Json,
            }))
            .ToList();

    private static string Name(Seen kind) => kind switch
    {
        Seen.Text => "a string",
        Seen.Number => "a number",
        Seen.Boolean => "a boolean",
        Seen.TextVector => "an array of strings",
        Seen.NumberVector => "an array of numbers",
        Seen.EmptyArray => "an empty array",
        Seen.Object => "an object",
        _ => "an object or a nested or mixed list",
    };
}
