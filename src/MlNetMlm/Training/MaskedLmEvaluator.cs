using Microsoft.ML;
using MlNetMlm.Metrics;
using MlNetMlm.Modeling;
using static TorchSharp.torch;

namespace MlNetMlm.Training;

/// <summary>
/// Evaluation loss (mean cross-entropy over all masked tokens), perplexity = exp(loss) and
/// masked-token accuracy over held-out blocks. The masks come from a cursor seeded with the
/// trainer's seed, so every evaluation of a run sees the same masked positions.
/// </summary>
internal static class MaskedLmEvaluator
{
    public static EvaluationEntry Evaluate(RobertaForMaskedLM model, IDataView data, MaskedLmTrainerOptions options, Device device, long step, double epoch, CancellationToken cancel)
    {
        using var blocks = TrainingBlocks.Read(data, options, new Random(options.Seed), "MaskedLmTrainer (evaluation data)", cancel);
        bool wasTraining = model.training;
        model.eval();
        double lossSum = 0;
        long correct = 0, count = 0;
        try
        {
            using var noGrad = no_grad();
            using var copies = new Autocast.WeightCopies();   // the weights do not change during one evaluation
            using var autocast = Autocast.Enter(options.Precision, copies);
            int batchSize = options.EvaluationBatchSize ?? options.BatchSize;
            for (int start = 0; start < blocks.Count; start += batchSize)
            {
                cancel.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                using var batch = BatchTensors.Create(blocks.GetRange(start, Math.Min(batchSize, blocks.Count - start)), model.Config.PadTokenId, device);
                if (batch.LabelCount == 0) continue;
                var (logits, targets) = model.LabelledLogits(batch.InputIds, batch.AttentionMask, batch.Labels); // [N, V], [N]
                lossSum += nn.functional.cross_entropy(logits, targets, reduction: nn.Reduction.Sum).to_type(ScalarType.Float64).item<double>();
                correct += logits.argmax(1).eq(targets).sum().item<long>();
                count += targets.shape[0];
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
        if (count == 0)
            throw new NoMaskedTokensException("MaskedLmTrainer: the evaluation data has no masked (labelled) token; check that MaskTokens runs on it and that it is not empty.");
        double loss = lossSum / count;
        return new EvaluationEntry(step, epoch, loss, Math.Exp(loss), (double)correct / count, count);
    }
}
