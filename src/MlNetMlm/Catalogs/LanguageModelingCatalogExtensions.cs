using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.DataView;
using MlNetMlm.GroupTexts;
using MlNetMlm.Masking;
using MlNetMlm.Tokenization;

namespace MlNetMlm;

/// <summary>
/// MlNetMlm's masked-LM data preparation on <c>mlContext.Transforms</c>: cut token ids into blocks,
/// then mask them. Both are training-only (append them with <see cref="TransformerScope.Training"/>).
/// </summary>
public static class LanguageModelingCatalogExtensions
{
    /// <summary>
    /// Concatenates the token ids of all rows and cuts them into blocks of <paramref name="blockSize"/>,
    /// dropping the remainder (Hugging Face's <c>group_texts</c>); also writes <c>attention_mask</c>.
    /// </summary>
    public static GroupTextsEstimator GroupTexts(this TransformsCatalog catalog, string outputColumnName = ColumnNames.InputIds, string? inputColumnName = null, int blockSize = 128) =>
        catalog.GroupTexts(new GroupTextsOptions { OutputColumnName = outputColumnName, InputColumnName = inputColumnName ?? outputColumnName, BlockSize = blockSize });

    /// <summary>Cuts token ids into fixed-size blocks, as the options say (concatenated or line by line).</summary>
    public static GroupTextsEstimator GroupTexts(this TransformsCatalog catalog, GroupTextsOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new GroupTextsEstimator(options);
    }

    /// <summary>
    /// Masks token ids for masked-LM training (Hugging Face's <c>DataCollatorForLanguageModeling</c>): writes
    /// the masked ids and <paramref name="labelColumnName"/> (original id where chosen, -100 elsewhere). Every
    /// cursor draws new masks. The mask, padding and special ids and the vocabulary size are those of the
    /// tokenizer that made the column (the annotations <c>TokenizeRoberta</c> writes), else roberta-base's.
    /// </summary>
    public static MaskTokensEstimator MaskTokens(this TransformsCatalog catalog, string outputColumnName = ColumnNames.InputIds, string? inputColumnName = null,
        string labelColumnName = ColumnNames.Labels, double mlmProbability = 0.15, int seed = 42) =>
        catalog.MaskTokens(new MaskTokensOptions
        {
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName ?? outputColumnName,
            LabelColumnName = labelColumnName,
            MlmProbability = mlmProbability,
            Seed = seed,
        });

    /// <summary>
    /// Masks token ids for masked-LM training with the ids of <paramref name="tokenizer"/> (its mask, padding and
    /// special tokens, and vocabulary size); otherwise as <see cref="MaskTokens(TransformsCatalog, string, string?, string, double, int)"/>,
    /// with the parameters in the same order. Fitting it on a column made by another tokenizer is an error naming both ids.
    /// </summary>
    public static MaskTokensEstimator MaskTokens(this TransformsCatalog catalog, RobertaTokenizer tokenizer, string outputColumnName = ColumnNames.InputIds,
        string? inputColumnName = null, string labelColumnName = ColumnNames.Labels, double mlmProbability = 0.15, int seed = 42)
    {
        var options = MaskTokensOptions.ForTokenizer(tokenizer);
        options.MlmProbability = mlmProbability;
        options.Seed = seed;
        options.OutputColumnName = outputColumnName;
        options.InputColumnName = inputColumnName ?? outputColumnName;
        options.LabelColumnName = labelColumnName;
        return catalog.MaskTokens(options);
    }

    /// <summary>Masks token ids for masked-LM training, as the options say.</summary>
    public static MaskTokensEstimator MaskTokens(this TransformsCatalog catalog, MaskTokensOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new MaskTokensEstimator(options);
    }
}
