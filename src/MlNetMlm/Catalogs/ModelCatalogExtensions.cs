using Microsoft.ML;
using MlNetMlm.Files;

namespace MlNetMlm;

/// <summary>MlNetMlm's additions to <c>mlContext.Model</c>.</summary>
public static class ModelCatalogExtensions
{
    /// <summary>
    /// <c>mlContext.Model.Save</c>, written atomically: the zip goes to a temporary file beside
    /// <paramref name="filePath"/> and is renamed over it only when complete, so a full disk or a crash
    /// leaves the earlier model file (or none), never a truncated one.
    /// </summary>
    public static void SaveAtomically(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema? inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        AtomicFile.Write(filePath, stream => catalog.Save(model, inputSchema, stream));
    }
}
