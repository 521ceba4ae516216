using System.CommandLine;
using System.Reflection;
using MlNetMlm.Loading;

namespace MlNetMlm.Cli.Shared;

/// <summary>
/// Runs a command's body and turns failures into one line on standard error and a non-zero exit code;
/// the stack trace only with <c>--verbose</c>.
/// </summary>
internal static class CommandRunner
{
    /// <summary>Exit code after Ctrl-C, as shells report a process ended by SIGINT (128 + 2).</summary>
    public const int Interrupted = 130;

    public static void SetAction(Command command, CliContext cli, Func<ParseResult, int> body) =>
        command.SetAction(parse => Run(command.Name, cli, parse.GetValue(cli.Verbose), () => body(parse)));

    public static int Run(string commandName, CliContext cli, bool verbose, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (OperationCanceledException e)
        {
            cli.Output.Flush();
            cli.Error.WriteLine($"{commandName}: interrupted. {e.Message}");
            return Interrupted;
        }
        catch (Exception e)
        {
            cli.Output.Flush();
            cli.Error.WriteLine($"{commandName}: {Describe(e)}");
            if (verbose) cli.Error.WriteLine(e.ToString());
            else if (e is not CliException) cli.Error.WriteLine("(run with --verbose for the stack trace)");
            return 1;
        }
    }

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
