using System.Diagnostics;
using System.Reflection;

namespace MlNetMlm.Tests.Packaging;

/// <summary>
/// Packs MlNetMlm into the repository's local feed (artifacts/packages) with a version unique to one test,
/// as README "Use MlNetMlm in your project" does, and removes that version again (the .nupkg and its copy
/// in the NuGet cache). Used by the notebook test and the outside-app test.
/// </summary>
internal static class LocalFeed
{
    public static string Directory => Path.Combine(RepoPaths.Root, "artifacts", "packages");

    public static string NuGetPackagesRoot =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } root
            ? root
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>The configuration this test assembly was built in; the library was built alongside.</summary>
    public static string Configuration =>
        typeof(LocalFeed).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    private static int s_count;

    /// <summary>A prerelease of 0.1.0 that no other run uses.</summary>
    public static string NewVersion(string tag) =>
        $"0.1.0-{tag}.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}.{Interlocked.Increment(ref s_count)}";

    /// <summary>
    /// Packs the library with <paramref name="version"/> as its package version. <c>dotnet pack</c> builds every
    /// target framework the package carries (the test run built only net10.0); PackageVersion, unlike Version,
    /// leaves the assemblies as built, so nothing is recompiled for the version. <paramref name="run"/> runs the
    /// command (a test's own runner with its deadline); default: <see cref="Run"/> in the repository.
    /// </summary>
    public static string PackLibrary(string version, Func<string, IEnumerable<string>, TimeSpan, (int ExitCode, string Output)>? run = null)
    {
        run ??= (file, args, timeout) => Run(file, args, RepoPaths.Root, timeout);
        var (exitCode, output) = run("dotnet", ["pack", LibraryProject, "-c", Configuration, "-o", Directory, $"-p:PackageVersion={version}"], TimeSpan.FromMinutes(6));
        string package = Path.Combine(Directory, $"MlNetMlm.{version}.nupkg");
        Assert.AreEqual(0, exitCode, $"dotnet pack failed:\n{output}");
        Assert.IsTrue(File.Exists(package), $"dotnet pack made no package:\n{output}");
        return package;
    }

    private static string LibraryProject => Path.Combine(RepoPaths.Root, "src", "MlNetMlm", "MlNetMlm.csproj");

    private static string LibraryDirectory => Path.Combine(RepoPaths.Root, "src", "MlNetMlm");

    /// <summary>The library's net8.0 build folders that do not exist yet (pack makes them; a test removes what it made).</summary>
    public static List<string> Net8OutputsMissing() =>
        new[] { Path.Combine(LibraryDirectory, "bin", Configuration, "net8.0"), Path.Combine(LibraryDirectory, "obj", Configuration, "net8.0") }
            .Where(d => !System.IO.Directory.Exists(d)).ToList();

    /// <summary>
    /// Deletes what packing <paramref name="version"/> left: the package in the feed, its copy in the NuGet cache,
    /// pack's nuspec, and the net8.0 build folders in <paramref name="madeHere"/>.
    /// </summary>
    public static void Remove(string version, IEnumerable<string>? madeHere = null)
    {
        File.Delete(Path.Combine(Directory, $"MlNetMlm.{version}.nupkg"));
        string extracted = Path.Combine(NuGetPackagesRoot, "mlnetmlm", version.ToLowerInvariant());
        if (System.IO.Directory.Exists(extracted)) System.IO.Directory.Delete(extracted, recursive: true);
        File.Delete(Path.Combine(LibraryDirectory, "obj", Configuration, $"MlNetMlm.{version}.nuspec"));
        foreach (string dir in madeHere ?? [])
            if (System.IO.Directory.Exists(dir)) System.IO.Directory.Delete(dir, recursive: true);
    }

    /// <summary>Runs a process to its end (killed after <paramref name="timeout"/>); standard output and error together.</summary>
    public static (int ExitCode, string Output) Run(string fileName, IEnumerable<string> args, string workingDirectory, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"`{fileName} {string.Join(' ', args)}` did not finish within {timeout.TotalMinutes} minutes.");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
