using Microsoft.ML;
using MlNetMlm.Join;

namespace MlNetMlm;

/// <summary>MlNetMlm's text transforms on <c>mlContext.Transforms.Text</c>.</summary>
public static class TextCatalogExtensions
{
    /// <summary>
    /// Joins a text-vector column (e.g. <c>answers.text</c>) into one string per row, items separated by
    /// <paramref name="separator"/> (one space by default).
    /// </summary>
    public static JoinTextEstimator JoinText(this TransformsCatalog.TextTransforms catalog, string outputColumnName, string? inputColumnName = null, string separator = " ") =>
        catalog.JoinText(new JoinTextOptions { OutputColumnName = outputColumnName, InputColumnName = inputColumnName ?? outputColumnName, Separator = separator });

    /// <summary>Joins a text-vector column into one string per row, as the options say.</summary>
    public static JoinTextEstimator JoinText(this TransformsCatalog.TextTransforms catalog, JoinTextOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new JoinTextEstimator(options);
    }
}
