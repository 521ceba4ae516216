using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MlNetMlm.MLNetInternals;

/// <summary>
/// The ML.NET environment behind a catalog (<c>mlContext.Data</c>, <c>mlContext.Transforms</c>), so that
/// extension methods can log through the user's <c>MLContext</c>. ML.NET keeps this property internal.
/// </summary>
internal static class CatalogEnvironment
{
    public static IHostEnvironment Of(DataOperationsCatalog catalog) => ((IInternalCatalog)catalog).Environment;

    public static IHostEnvironment Of(TransformsCatalog catalog) => ((IInternalCatalog)catalog).Environment;
}
