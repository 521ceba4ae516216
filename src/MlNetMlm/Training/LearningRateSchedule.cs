namespace MlNetMlm.Training;

/// <summary>The shape of the learning rate over training, after warm-up.</summary>
public enum LearningRateScheduleKind
{
    /// <summary>Linear decay from the peak to zero at the last step (Hugging Face's default).</summary>
    Linear,

    /// <summary>Half a cosine wave from the peak to zero.</summary>
    Cosine,

    /// <summary>The peak rate throughout (after warm-up).</summary>
    Constant,
}

/// <summary>
/// The factor applied to the peak learning rate at optimizer step <c>k</c> (0-based), as Hugging Face's
/// <c>get_*_schedule_with_warmup</c> compute it: a linear ramp <c>k / warmup</c> during warm-up (so the
/// first step runs at 0 when there is warm-up), then the chosen decay reaching 0 at <c>totalSteps</c>.
/// </summary>
public static class LearningRateSchedule
{
    public static double Factor(LearningRateScheduleKind kind, long step, long warmupSteps, long totalSteps)
    {
        if (step < warmupSteps) return (double)step / Math.Max(1, warmupSteps);
        if (kind == LearningRateScheduleKind.Constant) return 1.0;
        double progress = (double)(step - warmupSteps) / Math.Max(1, totalSteps - warmupSteps);
        return kind switch
        {
            LearningRateScheduleKind.Linear => Math.Max(0.0, 1.0 - progress),
            LearningRateScheduleKind.Cosine => Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * progress))),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    /// <summary>Warm-up steps from an explicit count, or else from a ratio of the total (rounded up, as HF does).</summary>
    public static long WarmupSteps(long warmupSteps, double warmupRatio, long totalSteps) =>
        warmupSteps > 0 ? warmupSteps : (long)Math.Ceiling(warmupRatio * totalSteps);
}
