using System.Diagnostics;

namespace MlNetMlm.Training;

/// <summary>
/// Training time, evaluations and checkpoints included, carried across resumes: the time of the run
/// this one resumes (from <c>trainer_state.json</c>) plus this run's own.
/// </summary>
internal sealed class TrainingClock
{
    private readonly Stopwatch _watch = new();
    private double _before;

    /// <summary>Starts this run's part, after <paramref name="secondsBefore"/> of earlier runs.</summary>
    public void Start(double secondsBefore)
    {
        _before = secondsBefore;
        _watch.Restart();
    }

    public double Seconds => _before + _watch.Elapsed.TotalSeconds;

    public TimeSpan Elapsed => TimeSpan.FromSeconds(Seconds);
}
