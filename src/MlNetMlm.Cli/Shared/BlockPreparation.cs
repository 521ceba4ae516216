using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.DataView;
using MlNetMlm.GroupTexts;
using MlNetMlm.Masking;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Cli.Shared;

/// <summary>text → token ids → blocks → masks: the preparation that training and evaluation share (prepared blocks: masks only).</summary>
internal static class BlockPreparation
{
    public static EstimatorChain<ITransformer> Create(MLContext ml, IEstimator<ITransformer>? toText, RobertaTokenizer tokenizer,
        int blockSize, bool lineByLine, double mlmProbability, int seed, bool preparedBlocks = false)
    {
        var masking = MaskTokensOptions.ForTokenizer(tokenizer);
        masking.MlmProbability = mlmProbability;
        masking.Seed = seed;
        var chain = new EstimatorChain<ITransformer>();
        if (toText is not null) chain = chain.Append<ITransformer>(toText);
        if (preparedBlocks) return chain.Append<ITransformer>(ml.Transforms.MaskTokens(masking));
        return chain
            .Append<ITransformer>(ml.Transforms.Text.TokenizeRoberta(ColumnNames.InputIds, TextData.Column, tokenizer))
            .Append<ITransformer>(ml.Transforms.GroupTexts(new GroupTextsOptions
            {
                BlockSize = blockSize,
                Mode = lineByLine ? GroupTextsMode.LineByLine : GroupTextsMode.Concatenate,
            }))
            .Append<ITransformer>(ml.Transforms.MaskTokens(masking));
    }
}
