using Microsoft.ML;
using MlNetMlm.DataView;
using MlNetMlm.Join;
using MlNetMlm.Tokenization;

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

    /// <summary>
    /// Tokenizes <paramref name="inputColumnName"/> into RoBERTa token ids in <paramref name="outputColumnName"/>
    /// (a variable-length Int32 vector, framed as <c>&lt;s&gt;</c> … <c>&lt;/s&gt;</c>).
    /// </summary>
    /// <param name="catalog">The text transforms catalog.</param>
    /// <param name="outputColumnName">Ids column to add.</param>
    /// <param name="inputColumnName">Text column to read.</param>
    /// <param name="tokenizer">The tokenizer; <see langword="null"/> means <see cref="RobertaTokenizer.Default"/>.</param>
    public static RobertaTokenizingEstimator TokenizeRoberta(this TransformsCatalog.TextTransforms catalog,
        string outputColumnName = ColumnNames.InputIds, string inputColumnName = ColumnNames.Text, RobertaTokenizer? tokenizer = null) =>
        TokenizeRoberta(catalog, new TokenizeRobertaOptions
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            Tokenizer = tokenizer,
        });

    /// <summary>Tokenizes a text column into RoBERTa token ids with all settings given in <paramref name="options"/>.</summary>
    public static RobertaTokenizingEstimator TokenizeRoberta(this TransformsCatalog.TextTransforms catalog, TokenizeRobertaOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new RobertaTokenizingEstimator(options);
    }
}
