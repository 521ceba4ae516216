using System.ComponentModel;
using System.Diagnostics;

namespace MlNetMlm.Tests;

/// <summary>Runs a program outside .NET (node, python3) that a test uses as an independent reference; skips when it is absent.</summary>
internal static class ExternalTool
{
    /// <summary>Runs <paramref name="fileName"/> in the repository root; Assert.Inconclusive (with a printed reason) when it cannot start.</summary>
    public static (int ExitCode, string Output, string Error) Run(string fileName, params string[] args)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepoPaths.Root };
        foreach (string a in args) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            string reason = $"SKIPPED: {fileName} is not available ({e.Message})";
            Console.WriteLine(reason);
            Assert.Inconclusive(reason);
            throw; // not reached
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout, stderr.Result);
        }
    }
}
