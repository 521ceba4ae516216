using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace MlNetMlm.Interop;

/// <summary>
/// Gets TorchSharp's native libraries into the process before TorchSharp's own start-up runs.
/// TorchSharp 0.107's libLibTorchSharp.so asks for GLIBCXX_3.4.32, which older distributions
/// (Debian 12) lack; TorchSharp then fails and tries to copy ~0.5 GB of native files next to
/// itself. Here libtorch.so is loaded by full path, then LibTorchSharp itself, or, when the
/// dynamic loader rejects it for missing versions, a copy in a per-user cache whose version
/// needs are made weak. TorchSharp's own loads then bind to the libraries already in memory.
/// Nothing is written outside the cache folder.
/// </summary>
internal static partial class TorchNativeLoader
{
    private const string LibTorchSharpFile = "libLibTorchSharp.so";
    private const string LibTorchFile = "libtorch.so";

    [GeneratedRegex(@"(\S+): version `([^']+)' not found \(required by ")]
    private static partial Regex MissingVersionPattern();

    public static TorchNativeStatus Load()
    {
        var clock = Stopwatch.StartNew();
        if (!OperatingSystem.IsLinux())
            return new(true, TorchLoadMethod.PlatformDefault, null, null, null, [], null, clock.Elapsed);

        var (libTorch, libTorchSharp) = Locate();
        if (libTorch is null || libTorchSharp is null)
            return new(false, TorchLoadMethod.NotFound, libTorch, libTorchSharp, null, [],
                $"Could not find {LibTorchFile} and {LibTorchSharpFile} (looked in the app's native folders, next to TorchSharp.dll and in the NuGet package folders). " +
                "Reference the TorchSharp-cpu package (or another TorchSharp runtime package).", clock.Elapsed);

        try
        {
            OpenMpDefaults.Apply();
            NativeLibrary.Load(libTorch);
            string? firstError = TryLoad(libTorchSharp);
            if (firstError is null)
                return new(true, TorchLoadMethod.Original, libTorch, libTorchSharp, null, [], null, clock.Elapsed);

            var original = ElfImage.Read(libTorchSharp);
            var needs = original.NeededVersions();
            var weakened = new List<ElfImage.NeededVersion>();
            string? error = firstError;
            // The dynamic loader names one library at a time; collect every version it lacks.
            for (int attempt = 0; attempt < 4 && error is not null; attempt++)
            {
                var missing = MissingVersions(error, needs);
                if (missing.Count == 0 || missing.All(weakened.Contains))
                    return Failed(libTorch, libTorchSharp, weakened, $"Loading {libTorchSharp} failed: {error}", clock);
                weakened.AddRange(missing.Where(m => !weakened.Contains(m)));
                string copy = PatchedCopy(original, weakened);
                error = TryLoad(copy);
                if (error is null)
                    return new(true, TorchLoadMethod.PatchedCopy, libTorch, libTorchSharp, copy,
                        weakened.Select(w => $"{w.File}:{w.Name}").ToList(), null, clock.Elapsed);
            }
            return Failed(libTorch, libTorchSharp, weakened, $"Loading a patched copy of {libTorchSharp} failed: {error}", clock);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or DllNotFoundException or BadImageFormatException or UnauthorizedAccessException)
        {
            return Failed(libTorch, libTorchSharp, [], e.Message, clock);
        }
    }

    private static TorchNativeStatus Failed(string libTorch, string libTorchSharp, List<ElfImage.NeededVersion> weakened, string error, Stopwatch clock) =>
        new(false, TorchLoadMethod.Failed, libTorch, libTorchSharp, null, weakened.Select(w => $"{w.File}:{w.Name}").ToList(), error, clock.Elapsed);

    private static string? TryLoad(string path)
    {
        try { NativeLibrary.Load(path); return null; }
        catch (DllNotFoundException e) { return e.Message; }
    }

    /// <summary>The version needs that the library named in the loader's message does not define.</summary>
    private static List<ElfImage.NeededVersion> MissingVersions(string loaderError, IReadOnlyList<ElfImage.NeededVersion> needs)
    {
        var result = new List<ElfImage.NeededVersion>();
        foreach (Match m in MissingVersionPattern().Matches(loaderError))
        {
            string provider = m.Groups[1].Value;
            if (!File.Exists(provider)) continue;
            var defined = ElfImage.Read(provider).DefinedVersions();
            string soname = Path.GetFileName(provider);
            result.AddRange(needs.Where(n => n.File == soname && !defined.Contains(n.Name)));
        }
        return result;
    }

    /// <summary>Writes (once) or verifies the patched copy in the cache and returns its path.</summary>
    private static string PatchedCopy(ElfImage original, IReadOnlyCollection<ElfImage.NeededVersion> weakened)
    {
        byte[] patched = VersionWeakener.Weaken(original, weakened);
        string key = Convert.ToHexString(SHA256.HashData(original.Bytes))[..16].ToLowerInvariant() + "-" +
                     Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join(",", weakened.Select(w => w.Name).Order()))))[..8].ToLowerInvariant();
        string dir = Path.Combine(NativeCache.Root, key);
        string target = Path.Combine(dir, LibTorchSharpFile);
        if (File.Exists(target) && File.ReadAllBytes(target).AsSpan().SequenceEqual(patched))
            return target;
        Files.AtomicFile.WriteAllBytes(target, patched);
        return target;
    }

    /// <summary>Finds a libtorch.so and libLibTorchSharp.so that belong together.</summary>
    internal static (string? LibTorch, string? LibTorchSharp) Locate()
    {
        string rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        var dirs = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchDirs)
            dirs.AddRange(searchDirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        dirs.Add(AppContext.BaseDirectory);
        dirs.Add(Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native"));

        // Both in one folder (a built or published app): the pair TorchSharp itself would use.
        foreach (var d in dirs)
            if (File.Exists(Path.Combine(d, LibTorchSharpFile)) && File.Exists(Path.Combine(d, LibTorchFile)))
                return (Path.Combine(d, LibTorchFile), Path.Combine(d, LibTorchSharpFile));

        // TorchSharp.dll straight from the NuGet cache (notebooks): <root>/torchsharp/<v>/lib/<tfm>/TorchSharp.dll.
        string? libTorchSharp = null;
        string torchSharpDll = typeof(TorchSharp.torch).Assembly.Location;
        if (!string.IsNullOrEmpty(torchSharpDll))
        {
            var packageDir = Directory.GetParent(torchSharpDll)?.Parent?.Parent;
            string? candidate = packageDir is null ? null : Path.Combine(packageDir.FullName, "runtimes", rid, "native", LibTorchSharpFile);
            if (candidate is not null && File.Exists(candidate)) libTorchSharp = candidate;
            else if (File.Exists(Path.Combine(Path.GetDirectoryName(torchSharpDll)!, LibTorchSharpFile)))
                libTorchSharp = Path.Combine(Path.GetDirectoryName(torchSharpDll)!, LibTorchSharpFile);
        }
        libTorchSharp ??= dirs.Select(d => Path.Combine(d, LibTorchSharpFile)).FirstOrDefault(File.Exists);

        string? libTorch = dirs.Select(d => Path.Combine(d, LibTorchFile)).FirstOrDefault(File.Exists)
                           ?? LibTorchInPackageFolders(rid);
        return (libTorch, libTorchSharp);
    }

    /// <summary>The newest libtorch runtime package (libtorch-cpu-linux-x64, libtorch-cuda-*-linux-x64) in the NuGet folders.</summary>
    private static string? LibTorchInPackageFolders(string rid)
    {
        var roots = new List<string>();
        if (Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } env) roots.Add(env);
        roots.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"));
        foreach (var root in roots.Where(Directory.Exists))
        {
            var found = Directory.EnumerateDirectories(root, $"libtorch-*-{rid}")
                .SelectMany(p => Directory.EnumerateDirectories(p))
                .Select(v => Path.Combine(v, "runtimes", rid, "native", LibTorchFile))
                .Where(File.Exists)
                .OrderByDescending(p => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(p))))), out var v) ? v : new Version())
                .FirstOrDefault();
            if (found is not null) return found;
        }
        return null;
    }
}
