using System.Reflection;
using System.Runtime.CompilerServices;

namespace MlNetMlm.Interop;

/// <summary>
/// Makes TorchSharp usable in this process, when it is first needed: data preparation (loading,
/// flattening, tokenizing, grouping, masking) never loads libtorch. <see cref="Initialize"/> runs
/// automatically when TorchSharp's assembly is loaded after any MlNetMlm type was used, and when a
/// notebook loads the package; MlNetMlm's model, training and fill-mask entry points call it too.
/// Call it yourself first only if your own code touches <c>TorchSharp.torch</c> before any MlNetMlm type.
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

    /// <summary>Whether <see cref="Initialize"/> has run in this process (asking does not load anything).</summary>
    public static bool IsInitialized
    {
        get { lock (Gate) return _status is not null; }
    }

    /// <summary>Loads the native libraries if needed; throws a clear error when they could not be loaded.</summary>
    public static void EnsureLoaded()
    {
        var s = Initialize();
        if (!s.Loaded && s.Method != TorchLoadMethod.NotFound)
            throw new InvalidOperationException($"TorchSharp's native libraries could not be loaded ({s.Method}): {s.Error}");
    }

    /// <summary>
    /// Runs when MlNetMlm is first used, and loads nothing by itself: our loader must run before TorchSharp's own
    /// start-up (which on Debian 12 fails and copies half a gigabyte of native files), and no TorchSharp code runs
    /// before its assembly is loaded, so the loader runs when TorchSharp's assembly loads, that is when code that
    /// uses torch is first compiled. Data preparation never uses torch, so it never loads libtorch (~0.25 s).
    /// MlNetMlm's model, training and fill-mask entry points also call <see cref="EnsureLoaded"/> themselves.
    /// </summary>
#pragma warning disable CA2255 // module initializers in libraries: the hook must be in place before TorchSharp starts
    [ModuleInitializer]
    internal static void OnModuleLoad()
    {
        AppDomain.CurrentDomain.AssemblyLoad += (_, e) =>
        {
            if (IsTorchSharp(e.LoadedAssembly)) Initialize();
        };
        // Already loaded (by code that mentions torch and MlNetMlm in one method): load the natives now, as before.
        if (AppDomain.CurrentDomain.GetAssemblies().Any(IsTorchSharp)) Initialize();
    }
#pragma warning restore CA2255

    private static bool IsTorchSharp(Assembly assembly) => assembly.GetName().Name == "TorchSharp";
}
