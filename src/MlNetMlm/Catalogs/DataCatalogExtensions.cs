using Microsoft.ML;
using MlNetMlm.Loading;
using MlNetMlm.MLNetInternals;
using MlNetMlm.Splitting;

namespace MlNetMlm;

/// <summary>MlNetMlm's loaders on <c>mlContext.Data</c>.</summary>
public static class DataCatalogExtensions
{
    /// <summary>
    /// Reads a JSON Lines file (<c>.jsonl</c>, or gzip-compressed <c>.jsonl.gz</c>; UTF-8 with or without a
    /// byte-order mark), one JSON object per line, into a streaming <see cref="IDataView"/> whose columns are
    /// the objects' top-level fields (see <see cref="JsonLinesOptions"/> and <see cref="Json.JsonColumnKind"/>).
    /// Blank lines are ignored. A line that is not a JSON object (nor, with <see cref="JsonLinesOptions.BareStringColumn"/>,
    /// a JSON string), or whose value does not fit its column, is a <see cref="JsonLinesFormatException"/> naming file,
    /// line and column.
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

    /// <summary>
    /// Splits <paramref name="data"/> the way Hugging Face's <c>Dataset.train_test_split</c> does: exactly
    /// round(<paramref name="testFraction"/> × rows) rows (halves rounded up) go to the test set, chosen by a
    /// permutation seeded with <paramref name="seed"/>: the same data and seed give the same rows. Both sets keep
    /// the source's row order; together they hold every row once. ML.NET's <c>TrainTestSplit</c> (hash buckets:
    /// on small data the test share wanders far from the fraction) stays available.
    /// </summary>
    /// <param name="catalog">The data catalog, <c>mlContext.Data</c>.</param>
    /// <param name="data">Rows to split; read once to count them unless the view knows its row count.</param>
    /// <param name="testFraction">Share of rows for the test set, above 0 and below 1 (default 0.1).</param>
    /// <param name="seed">Seeds the permutation; null takes one from the <c>MLContext</c>'s own seeded random.</param>
    /// <exception cref="ArgumentException">The fraction leaves no test or no training rows.</exception>
    public static DataOperationsCatalog.TrainTestData ExactTrainTestSplit(this DataOperationsCatalog catalog, IDataView data, double testFraction = 0.1, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return ExactSplit.Split(data, testFraction, seed ?? CatalogEnvironment.Of(catalog).Register(nameof(ExactTrainTestSplit)).Rand.Next());
    }

    /// <summary>
    /// Reads a Parquet file into a streaming <see cref="IDataView"/>, one row group at a time (memory about one
    /// row group; only the columns a cursor asks for are read). Columns follow the JSON loader's model
    /// (<see cref="Json.JsonColumnKind"/>): strings → text, numbers → Single (or Double), lists of strings or numbers →
    /// vectors, structs → JSON text that <c>FlattenJson</c> splits (or dotted columns with <see cref="ParquetOptions.Flatten"/>),
    /// lists of lists and lists of structs → JSON text; nulls as the JSON loader's missing values. A file that is not
    /// Parquet, a missing column or a type that cannot be read is an <see cref="InvalidDataException"/> naming file,
    /// column and type, raised here, before any rows are read.
    /// </summary>
    public static IDataView LoadFromParquet(this DataOperationsCatalog catalog, string path, ParquetOptions? options = null) =>
        catalog.LoadFromParquet([path], options);

    /// <summary>Reads several Parquet files with the same columns, one after the other, as one streaming <see cref="IDataView"/>.</summary>
    public static IDataView LoadFromParquet(this DataOperationsCatalog catalog, IEnumerable<string> paths, ParquetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(paths);
        return ParquetDataView.Create(CatalogEnvironment.Of(catalog), paths.ToList(), options);
    }

    /// <summary>
    /// Writes <paramref name="data"/> as a Parquet file (snappy pages, row groups of 8,192 rows), streaming: text,
    /// Boolean, Single, Double, Int32 and Int64 columns and vectors of them (a vector becomes a Parquet list, e.g.
    /// <c>list&lt;int32&gt;</c>). The file appears only when complete (written to a temporary file, then renamed over
    /// <paramref name="path"/>). <paramref name="rowsWritten"/> hears the row count after each row group. Returns the rows written.
    /// </summary>
    public static long SaveAsParquet(this DataOperationsCatalog catalog, IDataView data, string path, IProgress<long>? rowsWritten = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return ParquetSaver.Save(data, path, rowsWritten);
    }
}
