using Microsoft.ML;
using MlNetMlm.Flatten;
using MlNetMlm.MLNetInternals;

namespace MlNetMlm;

/// <summary>MlNetMlm's transforms on <c>mlContext.Transforms</c>.</summary>
public static class TransformsCatalogExtensions
{
    /// <summary>
    /// Splits text columns holding JSON objects into dotted columns, like 🤗 datasets' <c>flatten()</c>:
    /// ELI5's <c>answers</c> becomes <c>answers.a_id</c> and <c>answers.text</c> (text vectors) and
    /// <c>answers.score</c> (a number vector). With no names, every text column whose sampled values are
    /// JSON objects is flattened. The fields are learnt at <c>Fit</c> from the first 1000 rows.
    /// </summary>
    public static FlattenJsonEstimator FlattenJson(this TransformsCatalog catalog, params string[] inputColumnNames) =>
        catalog.FlattenJson(new FlattenJsonOptions { InputColumnNames = inputColumnNames });

    /// <summary>Splits text columns holding JSON objects into dotted columns, as the options say.</summary>
    public static FlattenJsonEstimator FlattenJson(this TransformsCatalog catalog, FlattenJsonOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new FlattenJsonEstimator(CatalogEnvironment.Of(catalog), options);
    }
}
