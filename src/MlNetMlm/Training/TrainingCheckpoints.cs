using Microsoft.ML.Runtime;
using MlNetMlm.Modeling;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Training;

/// <summary>
/// When the trainer writes a checkpoint: every <c>SaveSteps</c> steps, at the end unless the last step
/// was just saved, and when cancelled; each stores the RNG state of the step boundary and the training time.
/// </summary>
internal sealed class TrainingCheckpoints(MaskedLmTrainerOptions options, IChannel channel, RobertaForMaskedLM model, RobertaTokenizer tokenizer,
    TrainingOptimizer optimizer, TrainerState state, TrainingClock clock, TrainingRng rng, bool resumed)
{
    private long _lastStep = resumed ? state.GlobalStep : -1;

    private bool Enabled => options.CheckpointDirectory is not null;

    public void AfterStep()
    {
        if (Enabled && options.SaveSteps > 0 && state.GlobalStep % options.SaveSteps == 0) Save();
    }

    public void AtEnd()
    {
        if (Enabled && _lastStep != state.GlobalStep) Save();
    }

    /// <summary>Saves one now (when checkpoints are on) and returns its path.</summary>
    public string? Save()
    {
        if (!Enabled) return null;
        state.RngState = rng.BoundaryBase64;
        state.TrainSeconds = clock.Seconds;
        string path = TrainingCheckpoint.Save(options.CheckpointDirectory!, model, tokenizer, optimizer.Optimizer, state, options.SaveTotalLimit);
        channel.Info($"Checkpoint written: {path}");
        _lastStep = state.GlobalStep;
        return path;
    }

    /// <summary>The newest checkpoint on disk, if any.</summary>
    public string? Latest() =>
        Enabled && TrainingCheckpoint.List(options.CheckpointDirectory!) is { Count: > 0 } list ? list[^1].Path : null;
}
