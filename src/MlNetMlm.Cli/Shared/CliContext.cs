using System.CommandLine;
using MlNetMlm.Training;

namespace MlNetMlm.Cli.Shared;

/// <summary>What every command needs from the invocation: writers, the global <c>--verbose</c>, and how to stop training.</summary>
internal sealed class CliContext
{
    public required TextWriter Output { get; init; }

    public required TextWriter Error { get; init; }

    public required TextReader Input { get; init; }

    /// <summary>The global <c>--verbose</c> option (stack traces on errors, ML.NET's log lines).</summary>
    public required Option<bool> Verbose { get; init; }

    /// <summary>
    /// True when output goes to a real terminal (live progress); false for pipes, CI and tests,
    /// where plain lines are easier to read and to diff.
    /// </summary>
    public bool Interactive => ReferenceEquals(Output, Console.Out) && !Console.IsOutputRedirected && !Console.IsErrorRedirected;

    /// <summary>Cancelled by Ctrl-C during training (or by a test).</summary>
    public CancellationTokenSource Interrupt { get; init; } = new();

    /// <summary>Called with every training report before it is shown (tests use it to interrupt at a given step).</summary>
    public Action<TrainingProgress>? ProgressHook { get; init; }
}
