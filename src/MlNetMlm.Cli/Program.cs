using System.CommandLine;
using MlNetMlm.Cli.Commands;
using MlNetMlm.Cli.Shared;

namespace MlNetMlm.Cli;

public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error, Console.In);

    /// <summary>
    /// Runs the command line with the given writers and, for commands that read standard input
    /// (<c>tokenize</c>), the given reader (default: the console's). Tests call this in-process.
    /// </summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, TextReader? input = null) =>
        Run(args, new CliContext { Output = output, Error = error, Input = input ?? Console.In, Verbose = VerboseOption() });

    internal static Option<bool> VerboseOption() => new("--verbose", "-v")
    {
        Description = "On errors, print the stack trace too; during training, print the trainer's log.",
        Recursive = true,
    };

    internal static int Run(string[] args, CliContext cli)
    {
        var root = new RootCommand("mlnet-mlm: masked-language-model training and fill-mask for RoBERTa models with ML.NET.")
        {
            DemoCommand.Create(cli),
            TrainCommand.Create(cli),
            EvaluateCommand.Create(cli),
            FillMaskCommand.Create(cli),
            ExportCommand.Create(cli),
            InfoCommand.Create(cli),
            SampleCommand.Create(cli),
            TokenizeCommand.Create(cli.Input, cli.Output, cli.Error),
            DoctorCommand.Create(cli.Output),
            BenchModelCommand.Create(cli.Output),
        };
        root.Options.Add(cli.Verbose);
        foreach (var command in root.Subcommands) CommandRunner.Guard(command, cli, command.Name);
        // Ctrl-C is handled by the training commands themselves (checkpoint, then exit 130).
        var config = new InvocationConfiguration { Output = cli.Output, Error = cli.Error, ProcessTerminationTimeout = null };
        return root.Parse(args).Invoke(config);
    }
}
