namespace MlNetMlm.Json;

/// <summary>
/// Where each field of a JSON object goes: a field is either a column (by index) or, for flattened
/// data, a nested object with its own layout. Built from column names, split on dots when flattening.
/// </summary>
internal sealed class JsonLayout
{
    private readonly Dictionary<string, Field> _fields = new(StringComparer.Ordinal);

    internal sealed class Field
    {
        public int Column = -1;
        public JsonColumnKind Kind;
        public JsonLayout? Nested;
    }

    public bool TryGet(string name, out Field field) => _fields.TryGetValue(name, out field!);

    /// <summary>
    /// The layout of <paramref name="columns"/>; with <paramref name="splitDots"/>, <c>a.b.c</c> is field
    /// <c>c</c> of object <c>b</c> of object <c>a</c>. <paramref name="prefix"/> (e.g. <c>answers.</c>) is
    /// stripped from every name first.
    /// </summary>
    public static JsonLayout Build(IReadOnlyList<JsonColumn> columns, bool splitDots, string prefix = "")
    {
        var root = new JsonLayout();
        for (int i = 0; i < columns.Count; i++)
        {
            string name = columns[i].Name;
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || name.Length == prefix.Length)
                throw new ArgumentException($"Column '{name}' does not start with '{prefix}'.");
            string[] path = splitDots ? name[prefix.Length..].Split('.') : [name[prefix.Length..]];
            var layout = root;
            for (int p = 0; p < path.Length - 1; p++)
            {
                if (!layout._fields.TryGetValue(path[p], out var parent))
                    layout._fields[path[p]] = parent = new Field { Nested = new JsonLayout() };
                if (parent.Nested is null)
                    throw new ArgumentException($"Column '{name}' is inside '{prefix}{string.Join('.', path[..(p + 1)])}', which is also a column of its own.");
                layout = parent.Nested;
            }
            if (layout._fields.TryGetValue(path[^1], out var existing))
                throw new ArgumentException(existing.Nested is null
                    ? $"Column '{name}' is given twice."
                    : $"Column '{name}' is also the parent of other columns.");
            layout._fields[path[^1]] = new Field { Column = i, Kind = columns[i].Kind };
        }
        return root;
    }
}
