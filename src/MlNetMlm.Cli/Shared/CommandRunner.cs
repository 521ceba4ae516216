using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using MlNetMlm.Loading;

namespace MlNetMlm.Cli.Shared;

/// <summary>
/// Runs a command's body and turns every failure into the one error rule of the command line: exactly one line
/// <c>command: what is wrong</c> on standard error and exit code 1 (130 after Ctrl-C); <c>--verbose</c> adds the
/// stack trace after that line.
/// </summary>
internal static class CommandRunner
{
    /// <summary>Exit code after Ctrl-C, as shells report a process ended by SIGINT (128 + 2).</summary>
    public const int Interrupted = 130;

    public static void SetAction(Command command, CliContext cli, Func<ParseResult, int> body) =>
        command.SetAction(parse => Run(command.Name, cli, parse.GetValue(cli.Verbose), () => body(parse)));

    /// <summary>Puts a command whose action was set directly (bench, doctor, tokenize) under the same rule.</summary>
    public static void Guard(Command command, CliContext cli, string commandName)
    {
        if (command.Action is SynchronousCommandLineAction inner)
            command.SetAction(parse => Run(commandName, cli, parse.GetValue(cli.Verbose), () => inner.Invoke(parse)));
        foreach (var sub in command.Subcommands) Guard(sub, cli, $"{commandName} {sub.Name}");
    }

    public static int Run(string commandName, CliContext cli, bool verbose, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (OperationCanceledException e)
        {
            cli.Output.Flush();
            cli.Error.WriteLine(OneLine($"{commandName}: interrupted. {e.Message}"));
            return Interrupted;
        }
        catch (Exception e)
        {
            cli.Output.Flush();
            cli.Error.WriteLine(OneLine($"{commandName}: {Describe(e)}"));
            if (verbose) cli.Error.WriteLine(e.ToString());
            return 1;
        }
    }

    /// <summary>A message that spans lines (some library messages do) becomes one line.</summary>
    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>
    /// The message that explains the problem. ML.NET and reflection wrap the real error (a bad JSON line
    /// read lazily during training, say), so the innermost one that names file and line is preferred.
    /// </summary>
    internal static string Describe(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is CliException or JsonLinesFormatException) return x.Message;
        var inner = e;
        while (inner is TargetInvocationException or AggregateException or TypeInitializationException && inner.InnerException is not null)
            inner = inner.InnerException!;
        return inner.Message;
    }
}
