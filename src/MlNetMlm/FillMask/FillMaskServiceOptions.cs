using MlNetMlm.Modeling;

namespace MlNetMlm.FillMask;

/// <summary>Options of <see cref="FillMaskService"/>.</summary>
public sealed class FillMaskServiceOptions
{
    /// <summary>Candidates per mask when a request gives no top-k. Default 5 (as HF's fill-mask pipeline).</summary>
    public int TopK { get; set; } = 5;

    /// <summary>
    /// Most texts run in one batched forward. Default 32. 1 turns batching off (one forward per text,
    /// in arrival order).
    /// </summary>
    public int MaxBatchSize { get; set; } = 32;

    /// <summary>
    /// How long the first text of a batch waits for others to join it. Default 5 ms. Zero: no waiting,
    /// a batch is whatever has queued up while the previous forward ran.
    /// </summary>
    public TimeSpan BatchWait { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Where <see cref="FillMaskService.Load"/> puts a Hugging Face folder's model: <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>; null picks CUDA when available.</summary>
    public string? Device { get; set; }

    /// <summary>
    /// The precision of the model's matrix products: <see cref="Precision.Float32"/> (default) or
    /// <see cref="Precision.BFloat16"/> (weights cast once and kept; scores stay float32). See
    /// <see cref="FillMaskOptions.Precision"/>.
    /// </summary>
    public Precision Precision { get; set; } = Precision.Float32;

    internal FillMaskServiceOptions Validated()
    {
        if (TopK < 1) throw new ArgumentOutOfRangeException(nameof(TopK), $"TopK must be at least 1 (got {TopK}).");
        if (MaxBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), $"MaxBatchSize must be at least 1 (got {MaxBatchSize}).");
        if (BatchWait < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(BatchWait), $"BatchWait must not be negative (got {BatchWait}).");
        if (!Enum.IsDefined(Precision)) throw new ArgumentOutOfRangeException(nameof(Precision), $"Precision must be Float32 or BFloat16 (got {(int)Precision}).");
        return (FillMaskServiceOptions)MemberwiseClone();
    }
}
