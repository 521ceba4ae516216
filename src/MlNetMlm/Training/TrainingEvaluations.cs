using Microsoft.ML.Runtime;
using MlNetMlm.Metrics;
using MlNetMlm.Modeling;
using static TorchSharp.torch;

namespace MlNetMlm.Training;

/// <summary>
/// When the trainer evaluates and what it does with the result: every <c>EvaluationSteps</c> steps, else
/// at the end of each epoch, and at the end of training unless the last step was just evaluated; each
/// result goes into the metrics, the log and the progress reports.
/// </summary>
internal sealed class TrainingEvaluations(MaskedLmTrainerOptions options, IChannel channel, RobertaForMaskedLM model, Device device,
    TrainerState state, TrainingClock clock)
{
    private long _lastStep = state.Metrics.Evaluations.Count > 0 ? state.Metrics.Evaluations[^1].Step : -1;

    private bool Enabled => options.EvaluationData is not null;

    /// <summary>The evaluation before the first step (a fresh run with <c>EvaluateBeforeTraining</c>).</summary>
    public void BeforeTraining(bool resumed, CancellationToken cancel)
    {
        if (Enabled && options.EvaluateBeforeTraining && state.GlobalStep == 0 && !resumed) Evaluate(0, 0, cancel);
    }

    public void AfterStep(double epoch, CancellationToken cancel)
    {
        if (Enabled && options.EvaluationSteps > 0 && state.GlobalStep % options.EvaluationSteps == 0) Evaluate(state.GlobalStep, epoch, cancel);
    }

    public void AfterEpoch(int epochsDone, CancellationToken cancel)
    {
        if (Enabled && options.EvaluationSteps <= 0 && _lastStep != state.GlobalStep) Evaluate(state.GlobalStep, epochsDone, cancel);
    }

    public void AtEnd(CancellationToken cancel)
    {
        if (Enabled && _lastStep != state.GlobalStep) Evaluate(state.GlobalStep, state.Epoch, cancel);
    }

    private void Evaluate(long step, double epoch, CancellationToken cancel)
    {
        var entry = MaskedLmEvaluator.Evaluate(model, options.EvaluationData!, options, device, step, epoch, cancel);
        state.Metrics.Evaluations.Add(entry);
        channel.Info($"eval at step {step}: loss {entry.Loss:F4}  perplexity {entry.Perplexity:F2}  masked accuracy {entry.Accuracy:P1} ({entry.MaskedTokens} masked tokens)");
        options.Progress?.Report(new TrainingProgress(step, state.TotalSteps, epoch, entry.Loss, 0, 0, clock.Elapsed, true, entry.Perplexity, entry.Accuracy));
        _lastStep = step;
    }
}
