using Microsoft.ML;
using MlNetMlm.Loading;
using MlNetMlm.MLNetInternals;

namespace MlNetMlm;

/// <summary>MlNetMlm's loaders on <c>mlContext.Data</c>.</summary>
public static class DataCatalogExtensions
{
    /// <summary>
    /// Reads a JSON Lines file (<c>.jsonl</c>, or gzip-compressed <c>.jsonl.gz</c>; UTF-8 with or without a
    /// byte-order mark), one JSON object per line, into a streaming <see cref="IDataView"/> whose columns are
    /// the objects' top-level fields (see <see cref="JsonLinesOptions"/> and <see cref="Json.JsonColumnKind"/>).
    /// Blank lines are ignored. A line that is not a JSON object, or whose value does not fit its column,
    /// is a <see cref="JsonLinesFormatException"/> naming file, line and column.
    /// </summary>
    public static IDataView LoadFromJsonLines(this DataOperationsCatalog catalog, string path, JsonLinesOptions? options = null) =>
        catalog.LoadFromJsonLines([path], options);

    /// <summary>Reads several JSON Lines files, one after the other, as one streaming <see cref="IDataView"/>.</summary>
    public static IDataView LoadFromJsonLines(this DataOperationsCatalog catalog, IEnumerable<string> paths, JsonLinesOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(paths);
        return JsonLinesDataView.Create(CatalogEnvironment.Of(catalog), paths.Select(JsonLinesInput.FromFile).ToList(), options);
    }
}
