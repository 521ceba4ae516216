using ParquetSharp;
using ParquetSharp.Schema;
using MlNetMlm.Json;

namespace MlNetMlm.Loading;

/// <summary>
/// A node of a Parquet file's schema with what reading it needs: its definition level (the level at which
/// it is present, not null), for a list the level and repetition level of its repeated group, and the range
/// of leaf columns (in file order) under it.
/// </summary>
internal sealed class ParquetField
{
    public enum Shape { Leaf, Struct, List }

    public required string Name { get; init; }       // dotted path from the root
    public required Shape Form { get; init; }
    public required int Definition { get; init; }    // definition level when present
    public ParquetField[] Children { get; init; } = [];
    public ParquetField? Element { get; init; }      // List: the element (may be the repeated node itself)
    public int ElementsDefinition { get; init; }     // List: definition level when it has at least one element
    public int Repetition { get; init; }             // List: repetition level of its repeated group
    public int FirstLeaf { get; init; }
    public int LeafCount { get; init; }
    public PhysicalType Physical { get; init; }      // Leaf
    public string TypeName { get; init; } = "";      // for messages, e.g. "list<string>", "INT64 (Timestamp)"
    public string? Unsupported { get; init; }        // why this leaf (or a leaf under it) cannot be read

    public bool IsTextLeaf => Form == Shape.Leaf && Physical == PhysicalType.ByteArray;

    public bool IsNumberLeaf => Form == Shape.Leaf && Physical is PhysicalType.Int32 or PhysicalType.Int64 or PhysicalType.Float or PhysicalType.Double;

    /// <summary>The column kind this field is read as, the JSON loader's model: scalars, lists of scalars, anything deeper as JSON text.</summary>
    public JsonColumnKind Kind => Form switch
    {
        Shape.Leaf when IsTextLeaf => JsonColumnKind.Text,
        Shape.Leaf when IsNumberLeaf => JsonColumnKind.Number,
        Shape.Leaf when Physical == PhysicalType.Boolean => JsonColumnKind.Boolean,
        Shape.List when Element!.IsTextLeaf => JsonColumnKind.TextVector,
        Shape.List when Element!.IsNumberLeaf => JsonColumnKind.NumberVector,
        _ => JsonColumnKind.Json,
    };

    /// <summary>The top-level fields of a file's schema.</summary>
    public static List<ParquetField> Read(SchemaDescriptor schema)
    {
        int leaf = 0;
        return schema.GroupNode.Fields.Select(node => Build(node, "", 0, 0, ref leaf)).ToList();
    }

    private static ParquetField Build(Node node, string prefix, int parentDefinition, int parentRepetition, ref int leaf)
    {
        string name = prefix + node.Name;
        int definition = parentDefinition + (node.Repetition == ParquetSharp.Repetition.Required ? 0 : 1);
        int repetition = parentRepetition + (node.Repetition == ParquetSharp.Repetition.Repeated ? 1 : 0);
        int first = leaf;
        if (node.Repetition == ParquetSharp.Repetition.Repeated)
        {
            // A repeated field without a LIST annotation (legacy layout): a list of the field's values.
            var element = BuildInner(node, name, definition, repetition, ref leaf);
            return List(name, parentDefinition, definition, repetition, element, first, leaf);
        }
        return BuildInner(node, name, definition, repetition, ref leaf);
    }

    /// <summary>The node as a value, its repetition already accounted for in <paramref name="definition"/>/<paramref name="repetition"/>.</summary>
    private static ParquetField BuildInner(Node node, string name, int definition, int repetition, ref int leaf)
    {
        int first = leaf;
        if (node is PrimitiveNode primitive)
        {
            leaf++;
            var logical = primitive.LogicalType;
            string? unsupported = primitive.PhysicalType switch
            {
                PhysicalType.ByteArray when logical is NoneLogicalType or StringLogicalType or EnumLogicalType or JsonLogicalType => null,
                PhysicalType.Int32 or PhysicalType.Int64 when logical is NoneLogicalType or IntLogicalType => null,
                PhysicalType.Float or PhysicalType.Double or PhysicalType.Boolean when logical is NoneLogicalType => null,
                _ => "a type LoadFromParquet cannot read (text, numbers, booleans, lists and structs of them)",
            };
            return new ParquetField
            {
                Name = name, Form = Shape.Leaf, Definition = definition, FirstLeaf = first, LeafCount = 1, Physical = primitive.PhysicalType,
                TypeName = TypeNameOf(primitive), Unsupported = unsupported,
            };
        }
        var group = (GroupNode)node;
        if (group.LogicalType is ListLogicalType or MapLogicalType && group.FieldCount == 1 && group.Fields[0].Repetition == ParquetSharp.Repetition.Repeated)
        {
            // LIST: group (LIST) { repeated group list { element } }, or two-level: group (LIST) { repeated element }.
            // MAP:  group (MAP) { repeated group key_value { key; value } }, read as a list of {key, value} objects.
            var repeated = group.Fields[0];
            int elementsDefinition = definition + 1, elementsRepetition = repetition + 1;
            ParquetField element = repeated is GroupNode { FieldCount: 1 } single && group.LogicalType is ListLogicalType
                ? BuildChild(single.Fields[0], name, elementsDefinition, elementsRepetition, ref leaf)
                : BuildInner(repeated, name, elementsDefinition, elementsRepetition, ref leaf);
            return List(name, definition, elementsDefinition, elementsRepetition, element, first, leaf);
        }
        var children = new List<ParquetField>();
        foreach (var child in group.Fields) children.Add(Build(child, name + ".", definition, repetition, ref leaf));
        return new ParquetField
        {
            Name = name, Form = Shape.Struct, Definition = definition, Children = [.. children], FirstLeaf = first, LeafCount = leaf - first,
            TypeName = $"struct<{string.Join(", ", children.Select(c => $"{c.Name[(name.Length + 1)..]}: {c.TypeName}"))}>",
            Unsupported = children.Select(c => c.Unsupported).FirstOrDefault(u => u is not null),
        };
    }

    private static ParquetField BuildChild(Node node, string listName, int parentDefinition, int parentRepetition, ref int leaf)
    {
        int definition = parentDefinition + (node.Repetition == ParquetSharp.Repetition.Required ? 0 : 1);
        return BuildInner(node, listName, definition, parentRepetition, ref leaf);
    }

    private static ParquetField List(string name, int definition, int elementsDefinition, int repetition, ParquetField element, int first, int leaf) => new()
    {
        Name = name, Form = Shape.List, Definition = definition, ElementsDefinition = elementsDefinition, Repetition = repetition,
        Element = element, FirstLeaf = first, LeafCount = leaf - first, TypeName = $"list<{element.TypeName}>", Unsupported = element.Unsupported,
    };

    private static string TypeNameOf(PrimitiveNode node)
    {
        string logical = node.LogicalType switch
        {
            NoneLogicalType => "",
            StringLogicalType => "string",
            IntLogicalType i => $"int{i.BitWidth}",
            var other => other.ToString(),
        };
        return node.PhysicalType switch
        {
            PhysicalType.ByteArray when logical is "" or "string" => "string",
            PhysicalType.Int32 when logical is "" or "int32" => "int32",
            PhysicalType.Int64 when logical is "" or "int64" => "int64",
            PhysicalType.Float => "float",
            PhysicalType.Double => "double",
            PhysicalType.Boolean => "boolean",
            var physical => logical.Length == 0 ? physical.ToString().ToUpperInvariant() : $"{physical.ToString().ToUpperInvariant()} ({logical})",
        };
    }
}
