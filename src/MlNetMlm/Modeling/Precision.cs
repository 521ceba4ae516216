namespace MlNetMlm.Modeling;

/// <summary>
/// The number format of a model's matrix products. Weights, optimizer state, checkpoints and exports are
/// float32 in both cases; only the compute changes.
/// </summary>
public enum Precision
{
    /// <summary>Everything in float32 (the default).</summary>
    Float32,

    /// <summary>
    /// Mixed precision as PyTorch's autocast does it (Hugging Face's <c>--bf16</c>): the projections, attention,
    /// feed-forward and LM-head products run in bfloat16 on bfloat16 copies of the float32 weights;
    /// embeddings, LayerNorm, the LM head's GELU, softmax, the loss and every reduction stay in float32.
    /// Faster where the CPU has bfloat16 instructions (AVX512-BF16, AMX) or on a GPU that has them.
    /// </summary>
    BFloat16,
}
