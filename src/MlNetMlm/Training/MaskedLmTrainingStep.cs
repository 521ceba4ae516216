using System.Diagnostics;
using MlNetMlm.Modeling;
using static TorchSharp.torch;

namespace MlNetMlm.Training;

/// <summary>Where the last optimizer step's time went (summed over its accumulated batches).</summary>
/// <param name="Forward">Forward pass and loss.</param>
/// <param name="Backward">Backward pass.</param>
/// <param name="Optimizer">Gradient clipping, the AdamW update and zeroing the gradients.</param>
public readonly record struct TrainingStepTimes(TimeSpan Forward, TimeSpan Backward, TimeSpan Optimizer);

/// <summary>
/// One optimizer step of masked-LM training, exactly as <see cref="MaskedLmTrainer"/> takes it: for each
/// batch the loss (<see cref="RobertaForMaskedLM.ComputeLoss"/>, sparse head per the options) and its
/// backward pass, then gradient clipping (<see cref="MaskedLmTrainerOptions.MaxGradNorm"/>) and AdamW with
/// the options' betas, epsilon and weight decay (not on biases and LayerNorm weights). A batch with no
/// labelled position is skipped (it has no loss to learn from); a loss that is not finite stops training.
/// Public so that benchmarks time the trainer's own step; training itself goes through the trainer.
/// </summary>
public sealed class MaskedLmTrainingStep : IDisposable
{
    private readonly RobertaForMaskedLM _model;
    private readonly MaskedLmTrainerOptions _options;
    private readonly Device _device;
    private readonly IDisposable _heap;
    private bool _disposed;
    private long _forward, _backward, _optimizer; // stopwatch ticks of the step under way

    /// <summary>Sets up the optimizer over <paramref name="model"/>'s parameters (put the model on its device first).</summary>
    public MaskedLmTrainingStep(RobertaForMaskedLM model, MaskedLmTrainerOptions options)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _device = model.parameters().First().device;
        Optimizer = new TrainingOptimizer(model, options);
        // Each step frees and re-allocates the same large tensors: keep the freed memory for the next step.
        _heap = Interop.NativeHeap.RetainFreedMemory();
    }

    internal TrainingOptimizer Optimizer { get; }

    /// <summary>The phase times of the last completed step.</summary>
    public TrainingStepTimes LastTimes { get; private set; }

    /// <summary>One step on one batch: loss, backward, clip, AdamW at <paramref name="learningRate"/>.</summary>
    /// <param name="inputIds">[B, T] int64.</param>
    /// <param name="attentionMask">[B, T] (1 = token, 0 = padding) or null.</param>
    /// <param name="labels">[B, T] int64: the id to predict, or -100.</param>
    /// <param name="learningRate">This step's rate (the trainer takes it from its schedule).</param>
    /// <returns>The batch's loss, or null when no position was labelled (then no update is made).</returns>
    public float? Run(Tensor inputIds, Tensor? attentionMask, Tensor labels, double learningRate)
    {
        float? loss = Accumulate(inputIds, attentionMask, labels, batchesInStep: 1);
        if (loss is null) return null;
        Apply(learningRate);
        return loss;
    }

    /// <summary>Builds the batch from blocks and accumulates its gradient (see <see cref="Accumulate(Tensor, Tensor?, Tensor, int)"/>).</summary>
    internal (float? Loss, long Tokens) Accumulate(IReadOnlyList<TrainingBlock> blocks, int batchesInStep)
    {
        using var scope = NewDisposeScope();
        using var batch = BatchTensors.Create(blocks, _model.Config.PadTokenId, _device);
        if (batch.LabelCount == 0) return (null, batch.TokenCount); // nothing masked: no loss (HF would give NaN)
        return (Accumulate(batch.InputIds, batch.AttentionMask, batch.Labels, batchesInStep), batch.TokenCount);
    }

    /// <summary>
    /// Forward, loss and backward of one of the step's <paramref name="batchesInStep"/> batches (gradient
    /// accumulation: the gradient of loss / batchesInStep is added); <see cref="Apply"/> then takes the step.
    /// </summary>
    /// <returns>The batch's loss, or null when no position was labelled (nothing is added).</returns>
    public float? Accumulate(Tensor inputIds, Tensor? attentionMask, Tensor labels, int batchesInStep)
    {
        using var scope = NewDisposeScope();
        long start = Stopwatch.GetTimestamp();
        using (var any = labels.ne(RobertaForMaskedLM.IgnoreIndex).any())
            if (!any.item<bool>()) return null;
        Tensor loss;
        using (Autocast.Enter(_options.Precision)) // matrix products in bfloat16 when asked; the loss leaves in fp32
            loss = _model.ComputeLoss(inputIds, attentionMask, labels, _options.SparseHead);
        float value = loss.item<float>();
        if (!float.IsFinite(value)) throw new NonFiniteLossException(value);
        long forwardEnd = Stopwatch.GetTimestamp();
        (batchesInStep == 1 ? loss : loss / batchesInStep).backward();
        long backwardEnd = Stopwatch.GetTimestamp();
        _forward += forwardEnd - start;
        _backward += backwardEnd - forwardEnd;
        return value;
    }

    /// <summary>Clips the accumulated gradient, updates the weights at <paramref name="learningRate"/> and clears the gradient.</summary>
    public void Apply(double learningRate)
    {
        long start = Stopwatch.GetTimestamp();
        Optimizer.Step(_options.MaxGradNorm, learningRate);
        _optimizer += Stopwatch.GetTimestamp() - start;
        LastTimes = new TrainingStepTimes(
            Stopwatch.GetElapsedTime(0, _forward), Stopwatch.GetElapsedTime(0, _backward), Stopwatch.GetElapsedTime(0, _optimizer));
        _forward = _backward = _optimizer = 0;
    }

    /// <summary>Frees the optimizer's state and flat buffers (the model keeps its weights) and returns retained native memory.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Optimizer.Dispose();
        _heap.Dispose();
    }
}

/// <summary>The training loss was NaN or infinite; the trainer turns it into its own message.</summary>
internal sealed class NonFiniteLossException(float loss)
    : InvalidOperationException($"The training loss became {loss}; training stopped. Try a lower learning rate or more warm-up, or check the data.")
{
    public float Loss { get; } = loss;
}
