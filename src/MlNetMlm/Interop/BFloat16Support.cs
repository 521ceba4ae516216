using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMlm.Interop;

/// <summary>Whether bfloat16 products are expected to beat float32 on a device, and the reason.</summary>
/// <param name="Faster">True where the hardware has a bfloat16 matrix path libtorch uses.</param>
/// <param name="Reason">What was found (CPU flags, or the measured ratio on a GPU).</param>
public sealed record BFloat16Check(bool Faster, string Reason);

/// <summary>
/// Where <see cref="Modeling.Precision.BFloat16"/> pays off. On a CPU libtorch (oneDNN) multiplies bfloat16 fast only
/// with AVX512-BF16 or AMX-BF16; elsewhere it converts and is usually slower than float32. On a GPU the ratio is
/// measured (TorchSharp has no <c>is_bf16_supported</c>).
/// </summary>
public static class BFloat16Support
{
    /// <summary>Checks <paramref name="device"/> (default: the CPU).</summary>
    public static BFloat16Check Check(Device? device = null)
    {
        TorchRuntime.EnsureLoaded();
        device ??= CPU;
        if (device.type != DeviceType.CPU)
        {
            double ratio = MeasureMatmulRatio(device);
            return new BFloat16Check(ratio >= 1.2, $"bfloat16 matmul measured {ratio:F2}× float32 on {device}");
        }
        var flags = CpuBFloat16Flags();
        if (flags is null)
            return new BFloat16Check(false, $"no known bfloat16 matrix instructions on this {RuntimeInformation.ProcessArchitecture} CPU");
        return flags.Count > 0
            ? new BFloat16Check(true, $"CPU has {string.Join(" and ", flags)}")
            : new BFloat16Check(false, "CPU has neither avx512_bf16 nor amx_bf16");
    }

    /// <summary>The CPU's bfloat16 features (<c>avx512_bf16</c>, <c>amx_bf16</c>) as the OS reports them; null off x64.</summary>
    internal static List<string>? CpuBFloat16Flags()
    {
        string[] wanted = ["avx512_bf16", "amx_bf16"];
        if (OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo"))
        {
            // The kernel's flags already account for OS support of the AVX-512 and AMX register state.
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
            if (line is not null)
            {
                var present = line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
                return wanted.Where(present.Contains).ToList();
            }
        }
        if (!X86Base.IsSupported) return null;
        var found = new List<string>();
        // CPUID leaf 7: sub-leaf 1 EAX bit 5 is AVX512_BF16, sub-leaf 0 EDX bit 22 is AMX-BF16.
        if (Avx512F.IsSupported && (X86Base.CpuId(7, 1).Eax & (1 << 5)) != 0) found.Add(wanted[0]);
        if ((X86Base.CpuId(7, 0).Edx & (1 << 22)) != 0) found.Add(wanted[1]);
        return found;
    }

    /// <summary>
    /// bfloat16 over float32 rate of a 1024×768 by 768×3072 product (a distilroberta feed-forward layer at 8 × 128
    /// tokens), best of several runs each, with the current thread setting.
    /// </summary>
    public static double MeasureMatmulRatio(Device? device = null, int runs = 6)
    {
        TorchRuntime.EnsureLoaded();
        device ??= CPU;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        var a = randn([1024, 768], generator: generator).to(device);
        var b = randn([768, 3072], generator: generator).to(device);
        double Best(Tensor x, Tensor y)
        {
            for (int i = 0; i < 2; i++) mm(x, y).Dispose();
            double best = double.MaxValue;
            for (int i = 0; i < runs; i++)
            {
                long start = Stopwatch.GetTimestamp();
                using var product = mm(x, y);
                if (device.type == DeviceType.CUDA) cuda.synchronize();
                best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
            return best;
        }
        double fp32 = Best(a, b);
        double bf16 = Best(a.to(ScalarType.BFloat16), b.to(ScalarType.BFloat16));
        return fp32 / bf16;
    }
}
