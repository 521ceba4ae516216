using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using MlNetMlm.Interop;
using TorchSharp;

namespace MlNetMlm.Cli.Commands;

/// <summary><c>mlnet-mlm doctor</c>: versions, device, and how TorchSharp's native library was loaded.</summary>
internal static class DoctorCommand
{
    public static Command Create(TextWriter output)
    {
        var command = new Command("doctor", "Print .NET, ML.NET and TorchSharp versions, the device, and how TorchSharp's native library was loaded.");
        command.SetAction(_ => Run(output));
        return command;
    }

    private static string VersionOf(Assembly a) =>
        a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? a.GetName().Version?.ToString() ?? "?";

    internal static int Run(TextWriter output)
    {
        var status = TorchRuntime.Initialize();
        output.WriteLine($"MlNetMlm       {VersionOf(typeof(TorchRuntime).Assembly)}");
        output.WriteLine($".NET           {RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})");
        output.WriteLine($"OS             {RuntimeInformation.OSDescription}");
        output.WriteLine($"ML.NET         {VersionOf(typeof(Microsoft.ML.MLContext).Assembly)}");
        output.WriteLine($"TorchSharp     {VersionOf(typeof(torch).Assembly)}");
        output.WriteLine($"Native load    {status.Method} in {status.Elapsed.TotalMilliseconds:F0} ms");
        if (status.LibTorchPath is not null) output.WriteLine($"  libtorch     {status.LibTorchPath}");
        if (status.LibTorchSharpPath is not null) output.WriteLine($"  LibTorchSharp {status.LibTorchSharpPath}");
        if (status.PatchedCopyPath is not null) output.WriteLine($"  patched copy {status.PatchedCopyPath} (weakened: {string.Join(", ", status.WeakenedVersions)})");
        if (!status.Loaded && status.Error is not null) output.WriteLine($"  problem      {status.Error}");

        try
        {
            using var scope = torch.NewDisposeScope();
            var a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
            float sum = a.matmul(a.t()).sum().item<float>();
            output.WriteLine($"TorchSharp     loaded; check (sum of A·Aᵀ for A = arange(6) as 2×3, expect 83) = {sum}");
            output.WriteLine($"Threads        {torch.get_num_threads()}");
            output.WriteLine($"CUDA           {(torch.cuda.is_available() ? $"available, {torch.cuda.device_count()} device(s)" : "not available")}");
            output.WriteLine($"Device         {TorchDevices.Default}");
            var device = TorchDevices.Resolve(null);
            var bf16 = BFloat16Support.Check(device);
            output.WriteLine($"bf16           {(bf16.Faster ? "fast" : "not faster than fp32")} ({bf16.Reason}); " +
                             $"matmul bf16/fp32 measured {BFloat16Support.MeasureMatmulRatio(device):F2}× at 1024×768·768×3072, {torch.get_num_threads()} threads");
            return sum == 83f ? 0 : 1;
        }
        catch (Exception e)
        {
            output.WriteLine($"TorchSharp     NOT loaded: {e.GetBaseException().Message}");
            return 1;
        }
    }
}
