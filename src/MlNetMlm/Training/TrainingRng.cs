using static TorchSharp.torch;

namespace MlNetMlm.Training;

/// <summary>
/// Torch's global generator (dropout draws from it) as the trainer needs it: seeded at the start,
/// restored on resume, and captured at each optimizer-step boundary, so that a checkpoint (or a
/// cancellation) stores the state from which the next step starts and a resumed run draws the same
/// numbers as an uninterrupted one.
/// </summary>
internal sealed class TrainingRng
{
    /// <summary>The generator's state at the last step boundary.</summary>
    public byte[] Boundary { get; private set; } = [];

    public static TrainingRng Seeded(long seed)
    {
        random.manual_seed(seed);
        return Captured();
    }

    public static TrainingRng Restored(byte[] generatorState)
    {
        using (var state = tensor(generatorState, ScalarType.Byte))
            random.set_rng_state(state);
        return Captured();
    }

    /// <summary>Records the generator's state as the boundary (after an optimizer step).</summary>
    public void MarkBoundary()
    {
        using var state = random.get_rng_state();
        Boundary = state.data<byte>().ToArray();
    }

    public string BoundaryBase64 => Convert.ToBase64String(Boundary);

    private static TrainingRng Captured()
    {
        var rng = new TrainingRng();
        rng.MarkBoundary();
        return rng;
    }
}
