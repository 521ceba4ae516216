using TorchSharp;

namespace MlNetMlm.Interop;

/// <summary>Turns a device name from options or the command line into a TorchSharp device, in one place.</summary>
public static class TorchDevices
{
    /// <summary>The device used when none is given: <c>cuda</c> where CUDA is available, else <c>cpu</c>.</summary>
    public static string Default
    {
        get
        {
            TorchRuntime.EnsureLoaded();
            return torch.cuda.is_available() ? "cuda" : "cpu";
        }
    }

    /// <summary>
    /// Resolves <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c> (case-insensitive; null or empty means
    /// <see cref="Default"/>). Asking for CUDA where this TorchSharp build or machine has none is an error
    /// that says how to get a CUDA build.
    /// </summary>
    public static torch.Device Resolve(string? name)
    {
        TorchRuntime.EnsureLoaded();
        string spec = string.IsNullOrWhiteSpace(name) ? Default : name.Trim().ToLowerInvariant();
        if (spec == "cpu") return torch.CPU;
        if (spec == "cuda" || spec.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (spec.Length > 4 && (!int.TryParse(spec.AsSpan(5), out index) || index < 0))
                throw new ArgumentException($"Device '{name}' is not valid: expected cpu, cuda or cuda:N with N a device number.", nameof(name));
            if (!torch.cuda.is_available())
                throw new InvalidOperationException(
                    $"Device '{name}' asks for CUDA, but CUDA is not available here (no NVIDIA GPU or driver, or a CPU-only TorchSharp build). " +
                    "Build with -p:MlNetMlmTorchBackend=cuda-windows (or cuda-linux) on a machine with an NVIDIA GPU, or use Device = \"cpu\".");
            int count = torch.cuda.device_count();
            if (index >= count)
                throw new ArgumentException($"Device '{name}' does not exist: this machine has {count} CUDA device(s) (cuda:0 to cuda:{count - 1}).", nameof(name));
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"Device '{name}' is not valid: expected cpu, cuda or cuda:N.", nameof(name));
    }
}
