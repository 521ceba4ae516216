namespace MlNetMlm.Training;

/// <summary>What the trainer reports after each optimizer step or evaluation.</summary>
/// <param name="Step">Optimizer steps done.</param>
/// <param name="TotalSteps">Optimizer steps planned.</param>
/// <param name="Epoch">Fractional epoch (e.g. 1.5 = half-way through the second).</param>
/// <param name="Loss">Training loss of this one step (or the evaluation loss when <paramref name="IsEvaluation"/>);
/// <see cref="Metrics.TrainingMetrics.TrainLog"/> holds means over each logging interval instead.</param>
/// <param name="LearningRate">Learning rate used by this step.</param>
/// <param name="TokensPerSecond">Training throughput so far (input tokens, padding included).</param>
/// <param name="Elapsed">Time since training started.</param>
/// <param name="IsEvaluation">True for an evaluation report.</param>
/// <param name="Perplexity">exp(evaluation loss), for evaluation reports.</param>
/// <param name="Accuracy">Masked-token accuracy, for evaluation reports.</param>
public sealed record TrainingProgress(
    long Step,
    long TotalSteps,
    double Epoch,
    double Loss,
    double LearningRate,
    double TokensPerSecond,
    TimeSpan Elapsed,
    bool IsEvaluation = false,
    double? Perplexity = null,
    double? Accuracy = null)
{
    /// <summary>
    /// The learning rate after this step's scheduler update (the next step's), which Hugging Face logs as
    /// <c>learning_rate</c>; with warm-up the first step itself runs at 0. Null for evaluation reports.
    /// </summary>
    public double? NextLearningRate { get; init; }

    /// <summary>Estimated time left at the current throughput.</summary>
    public TimeSpan? Remaining => Step > 0 && TotalSteps > Step ? Elapsed * ((double)(TotalSteps - Step) / Step) : null;
}
