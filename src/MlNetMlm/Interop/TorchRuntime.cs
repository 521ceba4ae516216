using System.Runtime.CompilerServices;

namespace MlNetMlm.Interop;

/// <summary>
/// Makes TorchSharp usable in this process. <see cref="Initialize"/> runs automatically when
/// MlNetMlm's code first runs (module initializer) and when a notebook loads the package;
/// call it yourself first only if your own code touches <c>TorchSharp.torch</c> before any MlNetMlm type.
/// </summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();
    private static TorchNativeStatus? _status;

    /// <summary>Loads TorchSharp's native libraries (once; thread-safe) and says how.</summary>
    public static TorchNativeStatus Initialize()
    {
        lock (Gate)
        {
            return _status ??= TorchNativeLoader.Load();
        }
    }

    /// <summary>The result of <see cref="Initialize"/>, running it if it has not run yet.</summary>
    public static TorchNativeStatus Status => Initialize();

    /// <summary>Throws a clear error when TorchSharp's native libraries could not be loaded.</summary>
    public static void EnsureLoaded()
    {
        var s = Initialize();
        if (!s.Loaded && s.Method != TorchLoadMethod.NotFound)
            throw new InvalidOperationException($"TorchSharp's native libraries could not be loaded ({s.Method}): {s.Error}");
    }

#pragma warning disable CA2255 // module initializers in libraries: this one must run before TorchSharp starts
    [ModuleInitializer]
    internal static void OnModuleLoad() => Initialize();
#pragma warning restore CA2255
}
