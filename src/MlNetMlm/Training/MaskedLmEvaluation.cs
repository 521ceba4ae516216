using Microsoft.ML;
using MlNetMlm.Metrics;
using MlNetMlm.FillMask;
using MlNetMlm.Modeling;

namespace MlNetMlm.Training;

/// <summary>
/// Evaluates a trained or loaded masked LM on held-out blocks (the output of
/// <c>TokenizeRoberta → GroupTexts → MaskTokens</c>): loss, perplexity and masked-token accuracy,
/// computed exactly as the trainer's own evaluations are.
/// </summary>
public static class MaskedLmEvaluation
{
    /// <param name="model">The model to evaluate (its device is used).</param>
    /// <param name="maskedBlocks">Blocks with <c>input_ids</c>, <c>labels</c> and optionally <c>attention_mask</c>.</param>
    /// <param name="batchSize">Blocks per forward pass (does not change the result).</param>
    /// <param name="seed">Seeds the masking cursor, so the same seed masks the same positions.</param>
    /// <param name="precision">The compute format; null: the model's <see cref="FillMaskOptions.Precision"/>. The loss is summed in float32 either way.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    public static EvaluationEntry Evaluate(MaskedLmTransformer model, IDataView maskedBlocks, int batchSize = 8, int seed = 42, Precision? precision = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(maskedBlocks);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batchSize must be positive (got {batchSize}).");
        var options = new MaskedLmTrainerOptions { BatchSize = batchSize, Seed = seed, Precision = precision ?? model.Options.Precision };
        return MaskedLmEvaluator.Evaluate(model.Model, maskedBlocks, options, model.Device, step: 0, epoch: 0, cancellationToken);
    }
}
