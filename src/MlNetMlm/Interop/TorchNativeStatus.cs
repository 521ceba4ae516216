namespace MlNetMlm.Interop;

/// <summary>How TorchSharp's native libraries were made ready in this process (see <c>mlnet-mlm doctor</c>).</summary>
/// <param name="Loaded">True when libtorch and LibTorchSharp are in memory and TorchSharp can start.</param>
/// <param name="Method">Which way the libraries were loaded (see <see cref="TorchLoadMethod"/>).</param>
/// <param name="LibTorchPath">Full path of the <c>libtorch.so</c> loaded first.</param>
/// <param name="LibTorchSharpPath">Full path of TorchSharp's original <c>libLibTorchSharp.so</c>.</param>
/// <param name="PatchedCopyPath">Where the patched copy lives in the per-user cache, if one was needed.</param>
/// <param name="WeakenedVersions">The version needs marked weak in the copy, e.g. <c>libstdc++.so.6:GLIBCXX_3.4.32</c>.</param>
/// <param name="Error">What went wrong, when <paramref name="Loaded"/> is false.</param>
/// <param name="Elapsed">Time spent locating, patching or verifying, and loading.</param>
public sealed record TorchNativeStatus(
    bool Loaded,
    TorchLoadMethod Method,
    string? LibTorchPath,
    string? LibTorchSharpPath,
    string? PatchedCopyPath,
    IReadOnlyList<string> WeakenedVersions,
    string? Error,
    TimeSpan Elapsed);

/// <summary>How TorchSharp's native libraries were loaded (<see cref="TorchNativeStatus.Method"/>).</summary>
public enum TorchLoadMethod
{
    /// <summary>TorchSharp's own file loaded as it is.</summary>
    Original,

    /// <summary>A copy with weakened version needs was loaded (see <see cref="VersionWeakener"/>).</summary>
    PatchedCopy,

    /// <summary>Not Linux: TorchSharp loads its own files.</summary>
    PlatformDefault,

    /// <summary>The files were not located; TorchSharp is left to try by itself.</summary>
    NotFound,

    /// <summary>Loading failed (see <see cref="TorchNativeStatus.Error"/>).</summary>
    Failed,
}
