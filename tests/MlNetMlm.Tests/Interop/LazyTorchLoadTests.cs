using System.Diagnostics;
using MlNetMlm.Tests.Cli;

namespace MlNetMlm.Tests.Interop;

/// <summary>
/// libtorch is loaded when torch is first needed, not for data preparation. Observed from outside: the
/// dynamic loader's own trace (<c>LD_DEBUG=files</c>) of a fresh <c>mlnet-mlm</c> process lists every
/// shared library the process maps.
/// </summary>
[TestClass]
public sealed class LazyTorchLoadTests
{
    [TestMethod]
    public void DataPreparationCommandsNeverLoadLibtorch()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("LD_DEBUG is glibc's; this check runs on Linux only.");
        using var files = new TempFiles();
        string dir = Path.GetDirectoryName(files.PathOf("x"))!;
        string sample = files.PathOf("sample.jsonl");
        Assert.AreEqual(0, CliRun.InProcess("sample", "--output", sample).ExitCode);

        var tokenize = Traced(dir, "{\"text\": \"The Milky Way is a spiral galaxy.\"}\n", "tokenize");
        Assert.AreEqual(0, tokenize.ExitCode, tokenize.Output);
        StringAssert.StartsWith(tokenize.Output, "[0,", "tokenize wrote its ids");
        AssertNoTorch(tokenize, "tokenize");

        var prep = Traced(dir, "", "bench", "prep", "--data", sample, "--passes", "1");
        Assert.AreEqual(0, prep.ExitCode, prep.Output);
        AssertNoTorch(prep, "bench prep (load, flatten, join, tokenize, group)");

        // The same trace does see libtorch when a command needs torch: the check above can fail.
        var doctor = Traced(dir, "", "doctor");
        Assert.AreEqual(0, doctor.ExitCode, doctor.Output);
        Assert.IsTrue(doctor.Libraries.Any(l => l.Contains("libtorch.so", StringComparison.Ordinal)), "doctor must load libtorch; is LD_DEBUG honoured here?");
    }

    private static void AssertNoTorch(TracedRun run, string what)
    {
        var torch = run.Libraries.Where(l => l.Contains("libtorch", StringComparison.Ordinal) || l.Contains("LibTorchSharp", StringComparison.Ordinal)).ToList();
        Assert.AreEqual(0, torch.Count, $"{what} loaded torch:\n{string.Join("\n", torch.Take(5))}");
        Assert.IsTrue(run.Libraries.Count > 0, "the loader trace is empty: is LD_DEBUG honoured here?");
    }

    private sealed record TracedRun(int ExitCode, string Output, List<string> Libraries);

    /// <summary>Runs the built CLI in a fresh process with the dynamic loader's file trace written under <paramref name="dir"/>.</summary>
    private static TracedRun Traced(string dir, string stdin, params string[] args)
    {
        string tracePrefix = Path.Combine(dir, $"ld-{Guid.NewGuid():N}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir,
        };
        start.ArgumentList.Add(CliRun.CliDll);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["LD_DEBUG"] = "files";
        start.Environment["LD_DEBUG_OUTPUT"] = tracePrefix; // glibc appends .PID
        using var process = Process.Start(start)!;
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var libraries = Directory.EnumerateFiles(dir, Path.GetFileName(tracePrefix) + ".*")
            .SelectMany(File.ReadLines)
            .Where(l => l.Contains("file=", StringComparison.Ordinal))
            .ToList();
        return new TracedRun(process.ExitCode, stdout + stderr.Result, libraries);
    }
}
