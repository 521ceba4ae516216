namespace MlNetMlm.Interop;

/// <summary>How TorchSharp's native libraries were made ready in this process (see <c>mlnet-mlm doctor</c>).</summary>
/// <param name="Loaded">True when libtorch and LibTorchSharp are in memory and TorchSharp can start.</param>
/// <param name="Method">
/// <c>original</c> (TorchSharp's own file loads as it is), <c>patched-copy</c> (a copy with weakened
/// version needs, see <see cref="VersionWeakener"/>), <c>platform-default</c> (not Linux: TorchSharp
/// loads its own files), <c>not-found</c> (files not located; TorchSharp is left to try by itself)
/// or <c>failed</c>.
/// </param>
/// <param name="LibTorchPath">Full path of the <c>libtorch.so</c> loaded first.</param>
/// <param name="LibTorchSharpPath">Full path of TorchSharp's original <c>libLibTorchSharp.so</c>.</param>
/// <param name="PatchedCopyPath">Where the patched copy lives in the per-user cache, if one was needed.</param>
/// <param name="WeakenedVersions">The version needs marked weak in the copy, e.g. <c>libstdc++.so.6:GLIBCXX_3.4.32</c>.</param>
/// <param name="Error">What went wrong, when <paramref name="Loaded"/> is false.</param>
/// <param name="Elapsed">Time spent locating, patching or verifying, and loading.</param>
public sealed record TorchNativeStatus(
    bool Loaded,
    string Method,
    string? LibTorchPath,
    string? LibTorchSharpPath,
    string? PatchedCopyPath,
    IReadOnlyList<string> WeakenedVersions,
    string? Error,
    TimeSpan Elapsed);
