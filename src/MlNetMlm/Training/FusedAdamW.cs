using System.Numerics;

namespace MlNetMlm.Training;

/// <summary>
/// One AdamW update over flat float32 buffers in a single pass, on all cores. The update is bound by memory
/// traffic: as torch operations it takes nine passes over every parameter (reading ~13 and writing ~9 buffers
/// of the model's size; about 0.19 s of a 1 s bf16 distilroberta step here), while each element needs only
/// its parameter, gradient and two moments read once and written once. TorchSharp offers no fused optimizer
/// kernel, so the CPU path is written here; <see cref="TrainingOptimizer"/> keeps the torch operations for
/// other devices. Element-wise, so the result does not depend on the number of threads; it uses as many as torch's
/// intra-op setting allows.
/// </summary>
internal static class FusedAdamW
{
    private const int ChunkSize = 1 << 18;   // elements per task: 1 MiB of each buffer

    /// <summary>The step's scalars, computed once in double precision.</summary>
    /// <param name="Decay">Factor on the parameter for decoupled weight decay: 1 - lr·weight_decay.</param>
    /// <param name="Beta1">β1.</param>
    /// <param name="GradientWeight1">(1 - β1) · clip scale: the scaled gradient's weight in the first moment.</param>
    /// <param name="Beta2">β2.</param>
    /// <param name="GradientWeight2">(1 - β2) · scale²: the squared scaled gradient's weight in the second moment.</param>
    /// <param name="Epsilon">ε·√(1 - β2ᵗ): epsilon with the second bias correction folded in.</param>
    /// <param name="StepSize">lr·√(1 - β2ᵗ) / (1 - β1ᵗ).</param>
    public readonly record struct Scalars(float Decay, float Beta1, float GradientWeight1, float Beta2, float GradientWeight2, float Epsilon, float StepSize);

    /// <summary>
    /// p ← p·decay − step·m / (√v + ε) after m ← β1·m + w1·g and v ← β2·v + w2·g²; then g ← 0 for the next
    /// backward pass. All four buffers hold <paramref name="count"/> floats.
    /// </summary>
    public static unsafe void Step(float* parameters, float* gradients, float* expAvg, float* expAvgSq, long count, Scalars s)
    {
        long chunks = (count + ChunkSize - 1) / ChunkSize;
        IntPtr p = (IntPtr)parameters, g = (IntPtr)gradients, m = (IntPtr)expAvg, v = (IntPtr)expAvgSq;
        Parallel.For(0, chunks, Interop.TorchThreads.ParallelOptions(), chunk =>
        {
            long start = chunk * ChunkSize;
            StepRange((float*)p + start, (float*)g + start, (float*)m + start, (float*)v + start, Math.Min(ChunkSize, count - start), s);
        });
    }

    private static unsafe void StepRange(float* p, float* g, float* m, float* v, long n, Scalars s)
    {
        int width = Vector<float>.Count;
        var decay = new Vector<float>(s.Decay);
        var beta1 = new Vector<float>(s.Beta1);
        var w1 = new Vector<float>(s.GradientWeight1);
        var beta2 = new Vector<float>(s.Beta2);
        var w2 = new Vector<float>(s.GradientWeight2);
        var eps = new Vector<float>(s.Epsilon);
        var stepSize = new Vector<float>(s.StepSize);
        long i = 0;
        for (; i + width <= n; i += width)
        {
            var grad = Vector.Load(g + i);
            var first = beta1 * Vector.Load(m + i) + w1 * grad;
            var second = beta2 * Vector.Load(v + i) + w2 * grad * grad;
            var value = decay * Vector.Load(p + i) - stepSize * first / (Vector.SquareRoot(second) + eps);
            first.Store(m + i);
            second.Store(v + i);
            value.Store(p + i);
            Vector<float>.Zero.Store(g + i);
        }
        for (; i < n; i++)
        {
            float grad = g[i];
            float first = s.Beta1 * m[i] + s.GradientWeight1 * grad;
            float second = s.Beta2 * v[i] + s.GradientWeight2 * grad * grad;
            p[i] = s.Decay * p[i] - s.StepSize * first / (MathF.Sqrt(second) + s.Epsilon);
            m[i] = first;
            v[i] = second;
            g[i] = 0;
        }
    }
}
