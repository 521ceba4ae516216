using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.Tokenization;

/// <summary>
/// Makes <see cref="SchemaShape.Column"/> values, whose constructor ML.NET keeps internal although
/// <see cref="IEstimator{TTransformer}.GetOutputSchema"/> must return them. Microsoft.ML is pinned to one
/// exact version (Directory.Packages.props), so the constructor's shape is fixed.
/// TODO(ml-internals): use the MLNetInternals layer instead of reflection once it lands.
/// </summary>
internal static class SchemaShapeColumns
{
    private static readonly ConstructorInfo s_constructor =
        typeof(SchemaShape.Column).GetConstructor(
            BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public,
            [typeof(string), typeof(SchemaShape.Column.VectorKind), typeof(DataViewType), typeof(bool), typeof(SchemaShape)])
        ?? throw new MissingMethodException("SchemaShape.Column's constructor (name, kind, itemType, isKey, annotations) was not found; is Microsoft.ML at the pinned version?");

    public static SchemaShape.Column VariableVector(string name, DataViewType itemType) =>
        Create(name, SchemaShape.Column.VectorKind.VariableVector, itemType);

    public static SchemaShape.Column Create(string name, SchemaShape.Column.VectorKind kind, DataViewType itemType) =>
        (SchemaShape.Column)s_constructor.Invoke([name, kind, itemType, false, null]);
}
