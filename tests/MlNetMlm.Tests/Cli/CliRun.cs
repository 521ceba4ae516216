using System.Diagnostics;
using MlNetMlm.Cli;
using MlNetMlm.Cli.Shared;
using MlNetMlm.Training;

namespace MlNetMlm.Tests.Cli;

/// <summary>Runs <c>mlnet-mlm</c> in-process (with captured output) or as its own process.</summary>
internal static class CliRun
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Output}\n--- stderr ---\n{Error}";
    }

    /// <summary>
    /// The README's error rule: exit code 1 and exactly one line on standard error, <c>command: …</c>, naming
    /// <paramref name="names"/>; no stack trace. Returns that line.
    /// </summary>
    public static string AssertOneLineError(Result run, string names, string? command = null)
    {
        Assert.AreEqual(1, run.ExitCode, run.ToString());
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(1, lines.Length, $"exactly one line on standard error:\n{run}");
        if (command is not null) StringAssert.StartsWith(lines[0], $"{command}: ", run.ToString());
        StringAssert.Contains(lines[0], names, run.ToString());
        return lines[0];
    }

    public static Result InProcess(params string[] args) => InProcess(args, progressHook: null, interrupt: null);

    public static Result InProcess(string[] args, Action<TrainingProgress>? progressHook, CancellationTokenSource? interrupt)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var cli = new CliContext
        {
            Output = output, Error = error, Input = TextReader.Null, Verbose = Program.VerboseOption(),
            ProgressHook = progressHook, Interrupt = interrupt ?? new CancellationTokenSource(),
        };
        int code = Program.Run(args, cli);
        return new Result(code, output.ToString(), error.ToString());
    }

    /// <summary>The CLI as built in its own project's output (same configuration as the tests), with its own runtimeconfig and deps.</summary>
    public static string CliDll
    {
        get
        {
            string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<Configuration>/net10.0/
            string path = Path.Combine(RepoPaths.Root, "src", "MlNetMlm.Cli", "bin", configuration, "net10.0", "mlnet-mlm.dll");
            if (!File.Exists(path)) Assert.Fail($"the built CLI is missing: {path}");
            return path;
        }
    }

    public static Result FreshProcess(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(CliDll);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new Result(process.ExitCode, stdout, stderr.Result);
    }
}
