using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.DataView;

/// <summary>Input-schema checks with messages that name the column, what was expected, and what exists.</summary>
internal static class SchemaChecks
{
    public static DataViewSchema.Column Require(DataViewSchema schema, string name, string component)
    {
        var column = schema.GetColumnOrNull(name);
        if (column is null || column.Value.IsHidden)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"{component}: input column '{name}' not found. Columns present: {Describe(schema)}.");
        return column.Value;
    }

    public static DataViewSchema.Column RequireText(DataViewSchema schema, string name, string component)
    {
        var column = Require(schema, name, component);
        if (column.Type is not TextDataViewType)
            throw new ArgumentOutOfRangeException(nameof(schema), $"{component}: column '{name}' must hold text, but holds {column.Type}.");
        return column;
    }

    public static DataViewSchema.Column RequireVector(DataViewSchema schema, string name, DataViewType itemType, string component)
    {
        var column = Require(schema, name, component);
        if (column.Type is not VectorDataViewType vector || !vector.ItemType.Equals(itemType))
            throw new ArgumentOutOfRangeException(nameof(schema), $"{component}: column '{name}' must be a vector of {itemType}, but holds {column.Type}.");
        return column;
    }

    public static string Describe(DataViewSchema schema) =>
        schema.Count == 0 ? "(none)" : string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}' ({c.Type})"));
}
