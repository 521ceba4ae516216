using MlNetMlm.Metrics;

namespace MlNetMlm.Training;

/// <summary>
/// Where training stands at an optimizer-step boundary: enough, with the weights, optimizer state and
/// RNG state, to continue exactly as if never interrupted. Stored as <c>trainer_state.json</c>.
/// </summary>
internal sealed class TrainerState
{
    public const int CurrentFormat = 1;

    public int FormatVersion { get; set; } = CurrentFormat;

    /// <summary>Optimizer steps done.</summary>
    public long GlobalStep { get; set; }

    /// <summary>The epoch in progress (0-based).</summary>
    public int Epoch { get; set; }

    /// <summary>Batches of <see cref="Epoch"/> already consumed.</summary>
    public int BatchInEpoch { get; set; }

    public long TotalSteps { get; set; }

    public int Seed { get; set; }

    /// <summary>Sum and count of step losses since the last training-log entry.</summary>
    public double LogLossSum { get; set; }

    public long LogLossCount { get; set; }

    public long TokensSeen { get; set; }

    public double TrainSeconds { get; set; }

    /// <summary>TorchSharp's CPU generator state (dropout), base64.</summary>
    public string RngState { get; set; } = "";

    public TrainingMetrics Metrics { get; set; } = new();
}
