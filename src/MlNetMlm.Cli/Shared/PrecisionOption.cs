using System.CommandLine;
using MlNetMlm.Interop;
using MlNetMlm.Modeling;

namespace MlNetMlm.Cli.Shared;

/// <summary>HF's <c>--bf16</c> (and the refused <c>--fp16</c>) for the commands that run the model.</summary>
internal static class PrecisionOption
{
    public static Option<bool> Bf16(string what) => new("--bf16")
    {
        Description = $"{what} in bfloat16 on float32 weights (HF's --bf16): faster on CPUs with AVX512-BF16 or AMX; outputs stay float32.",
    };

    public static Option<bool> Fp16() => new("--fp16") { Description = "Not offered (fp16 training needs loss scaling); use --bf16." };

    /// <summary>The precision asked for; with <c>--bf16</c> where it will not be faster, one note on standard error.</summary>
    public static Precision Resolve(CliContext cli, bool bf16, string? device, bool fp16 = false)
    {
        if (fp16) throw new CliException("--fp16 is not offered: fp16 training needs loss scaling, which MlNetMlm does not do; use --bf16 (same range as float32, no scaling needed).");
        if (!bf16) return Precision.Float32;
        var check = BFloat16Support.Check(TorchDevices.Resolve(device));
        if (!check.Faster) cli.Error.WriteLine($"note: --bf16 will not be faster here ({check.Reason}); running in bfloat16 anyway.");
        return Precision.BFloat16;
    }
}
