using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace MlNetMlm.Tests.Notebooks;

/// <summary>
/// Runs notebooks/masked-language-modeling.ipynb the way a user does: MlNetMlm comes from a NuGet package
/// (packed here with a version unique to this run, into the local feed artifacts/packages) through
/// <c>#r "nuget: ..."</c>, in a fresh .NET Interactive C# kernel. The kernel runs in its own process
/// (tests/MlNetMlm.NotebookRunner): this test host has already loaded TorchSharp and its native
/// libraries, which would hide exactly the failures this test is for.
/// Set MLNETMLM_UPDATE_NOTEBOOK_OUTPUTS=1 to also save the run's outputs into the notebook.
/// </summary>
[TestClass]
[TestCategory("Notebook")]
public sealed class NotebookTests
{
    private const string UpdateOutputsVariable = "MLNETMLM_UPDATE_NOTEBOOK_OUTPUTS";
    private const int TestTimeoutMs = 8 * 60 * 1000;

    /// <summary>
    /// Every child process must end before the test's own timeout, so that its cleanup (finally) always runs:
    /// each one is killed at this deadline, or when MSTest cancels the test.
    /// </summary>
    private static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(TestTimeoutMs) - TimeSpan.FromSeconds(30);

    private DateTime _deadline = DateTime.MaxValue;

    public TestContext TestContext { get; set; } = null!;

    private static string NotebookPath => Path.Combine(RepoPaths.Root, "notebooks", "masked-language-modeling.ipynb");
    private static string Feed => Path.Combine(RepoPaths.Root, "artifacts", "packages");

    private static string NuGetPackagesRoot =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } root
            ? root
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>The configuration this test assembly was built in; the library and the runner were built alongside.</summary>
    private static string Configuration =>
        typeof(NotebookTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    [TestMethod]
    [Timeout(TestTimeoutMs, CooperativeCancellation = true)]
    public void EveryCellRunsWithTheFreshlyPackedLibrary()
    {
        _deadline = DateTime.UtcNow + Budget;
        var cacheBefore = TorchSharpCacheListing();
        // What pack writes into the repository: the net8.0 build (when this test is the one that makes it) and a nuspec.
        string project = Path.Combine(RepoPaths.Root, "src", "MlNetMlm");
        string[] net8Outputs = [Path.Combine(project, "bin", Configuration, "net8.0"), Path.Combine(project, "obj", Configuration, "net8.0")];
        var madeHere = net8Outputs.Where(d => !Directory.Exists(d)).ToList();
        string version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        string reportPath = Path.Combine(Path.GetTempPath(), $"mlnetmlm-notebook-{version}.json");
        var clock = Stopwatch.StartNew();
        try
        {
            Pack(version);
            Console.WriteLine($"packed MlNetMlm {version} in {clock.Elapsed.TotalSeconds:F1} s");

            // The probe runs in the kernel after the last cell: how TorchSharp got loaded there, and from where;
            // then the notebook's first and last evaluation losses.
            const string probe = "$\"{MlNetMlm.Interop.TorchRuntime.Status.Loaded}|{MlNetMlm.Interop.TorchRuntime.Status.Method}|{typeof(TorchSharp.torch).Assembly.Location}" +
                "|{model.Metrics!.Initial!.Loss.ToString(System.Globalization.CultureInfo.InvariantCulture)}|{model.Metrics.Final!.Loss.ToString(System.Globalization.CultureInfo.InvariantCulture)}\"";
            var args = new List<string> { RunnerDll(), NotebookPath, "--feed", Feed, "--version", version, "--report", reportPath, "--probe", probe };
            bool update = Environment.GetEnvironmentVariable(UpdateOutputsVariable) == "1";
            if (update) args.Add("--write-outputs");
            var (exitCode, output) = Run("dotnet", args, TimeSpan.FromMinutes(5));
            Console.WriteLine(output);
            Console.WriteLine($"notebook run (pack included): {clock.Elapsed.TotalSeconds:F1} s");

            Assert.IsTrue(File.Exists(reportPath), $"The notebook runner wrote no report (exit code {exitCode}):\n{output}");
            using var report = JsonDocument.Parse(File.ReadAllText(reportPath));
            var root = report.RootElement;
            if (root.GetProperty("Failure").GetString() is { } failure)
                Assert.Fail(failure);
            Assert.AreEqual(0, exitCode, $"The notebook runner failed:\n{output}");

            var cells = root.GetProperty("Cells").EnumerateArray().ToList();
            Assert.AreEqual(CodeCellCount(), cells.Count, "Every code cell of the notebook must have run.");
            string allOutputs = string.Join("\n", cells.SelectMany(c => c.GetProperty("Outputs").EnumerateArray())
                .SelectMany(o => o.GetProperty("Data").EnumerateObject().Select(d => d.Value.GetString())));

            // The kernel found the extension in the package under test (not some other version).
            string extension = Path.Combine("mlnetmlm", version.ToLowerInvariant(), "interactive-extensions", "dotnet", "extension.dib");
            StringAssert.Contains(allOutputs, extension, "The kernel did not run MlNetMlm's extension.dib from the freshly packed package.");
            // Its formatters are the ones in use (for DataFrame, despite Microsoft.Data.Analysis's own extension).
            StringAssert.Contains(allOutputs, "class=\"mlnetmlm-torch-status\"", "TorchNativeStatus was not shown by MlNetMlm's formatter.");
            StringAssert.Contains(allOutputs, "class=\"mlnetmlm-dataframe\"", "The DataFrame was not shown by MlNetMlm's formatter.");

            // Each step of the workflow showed its result, through MlNetMlm's formatters where it has one.
            string OutputOf(Func<string, bool> isCell, string what)
            {
                var cell = cells.FirstOrDefault(c => isCell(c.GetProperty("Code").GetString()!.Trim()));
                Assert.AreNotEqual(JsonValueKind.Undefined, cell.ValueKind, $"The notebook has no {what} cell.");
                return string.Join("\n", cell.GetProperty("Outputs").EnumerateArray().SelectMany(o => o.GetProperty("Data").EnumerateObject().Select(d => d.Value.GetString())));
            }
            string masking = OutputOf(code => code.Contains("Transforms.MaskTokens(", StringComparison.Ordinal), "masking");
            StringAssert.Contains(masking, "<mask>", "The masking cell shows no masked block.");
            string metrics = OutputOf(code => code == "model.Metrics", "evaluation");
            StringAssert.Contains(metrics, "class=\"mlnetmlm-metrics\"", "The training metrics were not shown by MlNetMlm's formatter.");
            StringAssert.Contains(metrics, "perplexity");
            string chart = OutputOf(code => code.Contains("new LossChart(", StringComparison.Ordinal), "loss chart");
            StringAssert.Contains(chart, "<svg class=\"mlnetmlm-loss-chart\"", "The loss curve was not drawn.");
            StringAssert.Contains(chart, "<polyline class=\"train\"", "The loss chart has no training-loss line.");
            string fillMask = OutputOf(code => code.Contains("CreatePredictionEngine<FillMaskInput, FillMaskPrediction>", StringComparison.Ordinal), "fill-mask");
            StringAssert.Contains(fillMask, "class=\"mlnetmlm-fill-mask\"", "The fill-mask prediction was not shown by MlNetMlm's formatter.");
            Assert.AreEqual(5, Regex.Matches(fillMask, @"<tr><th>\d+</th>").Count, $"The fill-mask table should list the top 5 candidates:\n{fillMask}");
            StringAssert.Contains(fillMask, "The Milky Way is a", "The candidates' filled-in sentences are missing.");

            // TorchSharp in the kernel came from the NuGet cache and was loaded by MlNetMlm's compat layer.
            string[] probeValue = (root.GetProperty("ProbeValue").GetString() ?? "").Split('|');
            Assert.AreEqual(5, probeValue.Length, $"Unexpected probe value: {string.Join('|', probeValue)}");
            Assert.AreEqual("True", probeValue[0], "TorchSharp's native libraries were not loaded in the kernel.");
            CollectionAssert.Contains(new[] { "original", "patched-copy" }, probeValue[1], "TorchSharp was not loaded through MlNetMlm's loader.");
            StringAssert.StartsWith(Path.GetFullPath(probeValue[2]), Path.GetFullPath(NuGetPackagesRoot), "The kernel's TorchSharp.dll should come from the NuGet cache.");
            Console.WriteLine($"TorchSharp in the kernel: {probeValue[1]}, from {probeValue[2]}");
            // The short training run learnt something: on held-out blocks, a clear drop from the untrained loss (≈ ln 50265).
            double initialLoss = double.Parse(probeValue[3], CultureInfo.InvariantCulture), finalLoss = double.Parse(probeValue[4], CultureInfo.InvariantCulture);
            Console.WriteLine($"evaluation loss in the notebook: {initialLoss:F3} → {finalLoss:F3}");
            Assert.IsTrue(finalLoss < initialLoss - 1.0, $"The notebook's training should lower the evaluation loss clearly: {initialLoss} → {finalLoss}");
            if (update) Console.WriteLine($"outputs saved into {NotebookPath}");
        }
        finally
        {
            // Per-run leftovers, ours only: the package in the local feed, its copy in the NuGet cache, pack's nuspec,
            // and the net8.0 build if it was made for this run. Runs on failure and on timeout alike (see Budget).
            File.Delete(Path.Combine(Feed, $"MlNetMlm.{version}.nupkg"));
            string extracted = Path.Combine(NuGetPackagesRoot, "mlnetmlm", version.ToLowerInvariant());
            if (Directory.Exists(extracted)) Directory.Delete(extracted, recursive: true);
            File.Delete(Path.Combine(project, "obj", Configuration, $"MlNetMlm.{version}.nuspec"));
            foreach (string dir in madeHere)
                if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            File.Delete(reportPath);
        }

        var cacheAfter = TorchSharpCacheListing();
        CollectionAssert.AreEqual(cacheBefore, cacheAfter,
            "The NuGet cache's TorchSharp folders changed during the notebook run (TorchSharp's own fallback copies native files there). " +
            $"New or changed: {string.Join(", ", cacheAfter.Except(cacheBefore).Take(5))}");
    }

    [TestMethod]
    public void NotebookReferencesTheRepositorysVersion()
    {
        // A reader runs the notebook as it is: its `#r` line must name the version this repository builds.
        var props = XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Build.props"));
        string version = props.Descendants("Version").Single().Value;
        string notebook = File.ReadAllText(NotebookPath);
        var match = Regex.Match(notebook, @"#r \\""nuget: ?MlNetMlm, ?([^\\""]+)\\""");
        Assert.IsTrue(match.Success, "The notebook has no `#r \"nuget: MlNetMlm, <version>\"` line.");
        Assert.AreEqual(version, match.Groups[1].Value, "The notebook's MlNetMlm version differs from Directory.Build.props.");
    }

    [TestMethod]
    public void SavedOutputsComeFromACompleteRunAndNameNoMachinePaths()
    {
        // What a reader sees on opening the file: the outputs of one full run (the runner numbers cells only then).
        using var notebook = JsonDocument.Parse(File.ReadAllText(NotebookPath));
        var codeCells = notebook.RootElement.GetProperty("cells").EnumerateArray().Where(c => c.GetProperty("cell_type").GetString() == "code").ToList();
        for (int i = 0; i < codeCells.Count; i++)
            Assert.AreEqual(JsonValueKind.Number, codeCells[i].GetProperty("execution_count").ValueKind,
                $"Code cell {i + 1} has no saved run: save the outputs of a full run ({UpdateOutputsVariable}=1, see README).");
        var texts = codeCells.SelectMany(c => c.GetProperty("outputs").EnumerateArray()).SelectMany(Strings).ToList();
        Assert.IsTrue(texts.Any(t => t.Contains("class=\"mlnetmlm-fill-mask\"")), "The saved notebook shows no fill-mask table.");
        Assert.IsTrue(texts.Any(t => t.Contains("<svg class=\"mlnetmlm-loss-chart\"")), "The saved notebook shows no loss chart.");

        // The runner rewrites this machine's paths before saving; catch outputs saved any other way.
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        foreach (string path in new[] { RepoPaths.Root, home })
        {
            string? leak = texts.FirstOrDefault(t => t.Contains(path, StringComparison.Ordinal));
            Assert.IsNull(leak, $"A saved output names '{path}': {leak}");
        }
    }

    /// <summary>Every string inside a JSON value (notebook outputs keep text as strings or lists of lines).</summary>
    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value)),
        _ => [],
    };

    private void Pack(string version)
    {
        // The test run built the library for net10.0 only (what the test project references); the package also
        // carries net8.0, so build that target (a no-op when it is up to date), then pack without rebuilding.
        string project = Path.Combine(RepoPaths.Root, "src", "MlNetMlm", "MlNetMlm.csproj");
        var (built, buildOutput) = Run("dotnet", ["build", project, "-c", Configuration, "-f", "net8.0"], TimeSpan.FromMinutes(3));
        Assert.AreEqual(0, built, $"dotnet build -f net8.0 failed:\n{buildOutput}");
        var (exitCode, output) = Run("dotnet", ["pack", project, "-c", Configuration, "--no-build", "-o", Feed, $"-p:Version={version}"], TimeSpan.FromMinutes(3));
        Assert.AreEqual(0, exitCode, $"dotnet pack failed:\n{output}");
        Assert.IsTrue(File.Exists(Path.Combine(Feed, $"MlNetMlm.{version}.nupkg")), $"dotnet pack made no package:\n{output}");
    }

    private static string RunnerDll()
    {
        string path = Path.Combine(RepoPaths.Root, "tests", "MlNetMlm.NotebookRunner", "bin", Configuration, "net10.0", "MlNetMlm.NotebookRunner.dll");
        Assert.IsTrue(File.Exists(path), $"The notebook runner is not built at {path} (it is a project reference of the test project).");
        return path;
    }

    private static int CodeCellCount() => CodeCells().Count;

    /// <summary>The source of each code cell (a list of lines in .ipynb JSON).</summary>
    private static List<string> CodeCells()
    {
        using var notebook = JsonDocument.Parse(File.ReadAllText(NotebookPath));
        return notebook.RootElement.GetProperty("cells").EnumerateArray()
            .Where(c => c.GetProperty("cell_type").GetString() == "code")
            .Select(c => c.GetProperty("source") is { ValueKind: JsonValueKind.Array } lines
                ? string.Concat(lines.EnumerateArray().Select(l => l.GetString()))
                : c.GetProperty("source").GetString() ?? "")
            .ToList();
    }

    /// <summary>Every file (path and size) under the NuGet cache's TorchSharp and libtorch folders.</summary>
    private static List<string> TorchSharpCacheListing() =>
        new[] { "torchsharp", "libtorch-cpu-linux-x64" }
            .Select(name => Path.Combine(NuGetPackagesRoot, name))
            .Where(Directory.Exists)
            .SelectMany(dir => Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
            .Select(f => $"{f} {new FileInfo(f).Length}")
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Runs a child process; it is killed (and the test fails) at its timeout, at the test's deadline, or on cancellation.</summary>
    private (int ExitCode, string Output) Run(string fileName, IEnumerable<string> args, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoPaths.Root };
        foreach (string a in args) start.ArgumentList.Add(a);
        var left = _deadline - DateTime.UtcNow;
        if (left < timeout) timeout = left > TimeSpan.Zero ? left : TimeSpan.Zero;
        using var process = Process.Start(start)!;
        using var onCancel = TestContext.CancellationToken.Register(() => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } });
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout) || TestContext.CancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"`{fileName} {string.Join(' ', args)}` did not finish within {timeout.TotalMinutes:F1} minutes (or the test was cancelled).");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
