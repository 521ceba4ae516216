using System.Diagnostics;
using System.Text.Json;

namespace MlNetMlm.Tests.Build;

/// <summary>
/// The CUDA runtime packages are not served here, so restoring them cannot be tested; this checks
/// that the MSBuild switch evaluates to the right package reference, in the repository's own CLI build
/// (the library itself references no native runtime: the app that uses it picks one).
/// </summary>
[TestClass]
public sealed class TorchBackendSwitchTests
{
    private static readonly string CliProject = Path.Combine(RepoPaths.Root, "src", "MlNetMlm.Cli", "MlNetMlm.Cli.csproj");

    private static List<string> PackageReferences(string project, string backend)
    {
        var psi = new ProcessStartInfo("dotnet", ["msbuild", project, "-getItem:PackageReference", $"-p:MlNetMlmTorchBackend={backend}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.AreEqual(0, p.ExitCode, stdout);
        using var doc = JsonDocument.Parse(stdout);
        return doc.RootElement.GetProperty("Items").GetProperty("PackageReference").EnumerateArray()
            .Select(e => e.GetProperty("Identity").GetString()!).ToList();
    }

    [TestMethod]
    [DataRow("cpu", "TorchSharp-cpu")]
    [DataRow("cuda-windows", "TorchSharp-cuda-windows")]
    [DataRow("cuda-linux", "TorchSharp-cuda-linux")]
    public void BackendPicksItsRuntimePackage(string backend, string package)
    {
        var refs = PackageReferences(CliProject, backend);
        CollectionAssert.Contains(refs, package);
        Assert.AreEqual(1, refs.Count(r => r.StartsWith("TorchSharp-", StringComparison.Ordinal)), string.Join(", ", refs));
    }

    [TestMethod]
    public void LibraryReferencesNoNativeRuntime()
    {
        string project = Path.Combine(RepoPaths.Root, "src", "MlNetMlm", "MlNetMlm.csproj");
        var refs = PackageReferences(project, "cpu");
        CollectionAssert.Contains(refs, "TorchSharp");
        Assert.IsFalse(refs.Any(r => r.StartsWith("TorchSharp-", StringComparison.Ordinal) || r.StartsWith("libtorch-", StringComparison.Ordinal)), string.Join(", ", refs));
    }
}
