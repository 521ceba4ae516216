using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.MLNetInternals;

/// <summary>
/// Estimators answer <c>GetOutputSchema(SchemaShape)</c> before any data exists. MlNetMlm's mapping
/// transformers are fully described by their options, so the shape is found by running the
/// transformer's own schema logic over a schema built from the shape (fixed vector sizes become variable).
/// <see cref="SchemaShape.Create"/> is internal to ML.NET, hence this file's place.
/// </summary>
internal static class SchemaShapes
{
    public static DataViewSchema ToSchema(SchemaShape shape)
    {
        var builder = new DataViewSchema.Builder();
        foreach (var column in shape)
        {
            DataViewType type = column.Kind == SchemaShape.Column.VectorKind.Scalar
                ? column.ItemType
                : new VectorDataViewType((PrimitiveDataViewType)column.ItemType);
            builder.AddColumn(column.Name, type);
        }
        return builder.ToSchema();
    }

    public static SchemaShape FromSchema(DataViewSchema schema) => SchemaShape.Create(schema);

    public static SchemaShape Map(SchemaShape input, Func<DataViewSchema, DataViewSchema> map) =>
        SchemaShape.Create(map(ToSchema(input)));
}
