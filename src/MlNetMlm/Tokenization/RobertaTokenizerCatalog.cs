using Microsoft.ML;

namespace MlNetMlm.Tokenization;

/// <summary><c>mlContext.Transforms.Text.TokenizeRoberta(...)</c>.</summary>
public static class RobertaTokenizerCatalog
{
    /// <summary>
    /// Tokenizes <paramref name="inputColumnName"/> into RoBERTa token ids in <paramref name="outputColumnName"/>
    /// (a variable-length Int32 vector, framed as <c>&lt;s&gt;</c> … <c>&lt;/s&gt;</c>).
    /// </summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">Ids column to add.</param>
    /// <param name="inputColumnName">Text column to read.</param>
    /// <param name="tokenizer">The tokenizer; <see langword="null"/> means <see cref="RobertaTokenizer.Default"/>.</param>
    public static RobertaTokenizingEstimator TokenizeRoberta(this TransformsCatalog.TextTransforms catalog,
        string outputColumnName = "input_ids", string inputColumnName = DataView.ColumnNames.Text, RobertaTokenizer? tokenizer = null) =>
        TokenizeRoberta(catalog, new RobertaTokenizingEstimator.Options
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            Tokenizer = tokenizer,
        });

    /// <summary>Tokenizes a text column into RoBERTa token ids with all settings given in <paramref name="options"/>.</summary>
    public static RobertaTokenizingEstimator TokenizeRoberta(this TransformsCatalog.TextTransforms catalog, RobertaTokenizingEstimator.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new RobertaTokenizingEstimator(options);
    }
}
