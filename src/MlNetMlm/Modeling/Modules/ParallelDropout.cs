using MlNetMlm.Masking;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMlm.Modeling.Modules;

/// <summary>
/// Dropout as HF applies it (in training, each element is zeroed with probability p and the rest are scaled by
/// 1/(1-p)), with the mask drawn on all cores. On a CPU, torch draws a dropout mask on one thread unless the
/// CPU is Intel's (only then does it use MKL's generator): on the AMD machine of bench/README.md that took
/// about 150 ms of a distilroberta training step (12.5 ms per attention-probability mask) while the other
/// core waited. Here the mask is filled by xoshiro256** in fixed chunks, each chunk's stream keyed by one
/// draw from torch's generator, so masks follow torch's seed (a resumed run, which restores that generator,
/// draws the same masks) and do not depend on the number of threads. Off the CPU, torch's dropout is used.
/// </summary>
internal sealed class ParallelDropout : nn.Module<Tensor, Tensor>
{
    private const int ChunkSize = 1 << 16;   // elements per stream: a few dozen chunks per mask, spread over the cores
    private readonly double _p;

    /// <param name="p">Probability of zeroing an element, in [0, 1] (checked by <see cref="RobertaConfig.Validate"/>).</param>
    public ParallelDropout(double p) : base(nameof(ParallelDropout)) => _p = p;

    /// <summary>The probability of zeroing an element.</summary>
    public double Probability => _p;

    /// <param name="x">Any shape.</param>
    /// <returns>In training, x · mask (the product's dtype follows type promotion with a float32 mask); otherwise x.</returns>
    public override Tensor forward(Tensor x)
    {
        if (!training || _p == 0) return x;
        if (x.device_type != DeviceType.CPU) return nn.functional.dropout(x, _p, training: true);
        using var scope = NewDisposeScope();
        var mask = Mask(x.shape, _p);
        // Multiplying by a float32 mask keeps the scale exact; a bfloat16 product promoted to float32 here
        // is added to the float32 residual next anyway, and attention probabilities are float32 already.
        return x.mul(mask).MoveToOuterDisposeScope();
    }

    /// <summary>A float32 tensor of <paramref name="shape"/> holding 0 with probability <paramref name="p"/> and 1/(1-p) otherwise.</summary>
    internal static Tensor Mask(long[] shape, double p)
    {
        var mask = empty(shape, ScalarType.Float32);
        if (p >= 1) return mask.zero_();
        ulong key;
        using (var draw = randint(long.MaxValue, [1], ScalarType.Int64))            // one draw from torch's generator
            key = (ulong)draw.item<long>();
        // Zero where a 32-bit draw falls below p·2³² (p is exact to 2⁻³²).
        uint threshold = (uint)Math.Min(Math.Round(p * 4294967296.0), uint.MaxValue);
        float scale = (float)(1.0 / (1.0 - p));
        long n = mask.numel();
        unsafe
        {
            fixed (byte* bytes = mask.bytes)
            {
                var data = (IntPtr)bytes;
                Parallel.For(0, (n + ChunkSize - 1) / ChunkSize, Interop.TorchThreads.ParallelOptions(), chunk =>
                {
                    var rng = Xoshiro256.ForRow(key, chunk);
                    var values = (float*)data;
                    long end = Math.Min(n, (chunk + 1) * ChunkSize);
                    for (long i = chunk * ChunkSize; i < end; i += 2)
                    {
                        ulong r = rng.NextUInt64();                                  // two 32-bit draws
                        values[i] = (uint)r < threshold ? 0f : scale;
                        if (i + 1 < end) values[i + 1] = (uint)(r >> 32) < threshold ? 0f : scale;
                    }
                });
            }
        }
        return mask;
    }
}
