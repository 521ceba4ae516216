using System.CommandLine;
using MlNetMlm.Cli.Commands;

namespace MlNetMlm.Cli;

public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error, Console.In);

    /// <summary>
    /// Runs the command line with the given writers and, for commands that read standard input
    /// (<c>tokenize</c>), the given reader (default: the console's). Tests call this in-process.
    /// </summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, TextReader? input = null)
    {
        var root = new RootCommand("mlnet-mlm: masked-language-model training and fill-mask for RoBERTa models with ML.NET.")
        {
            DoctorCommand.Create(output),
            TokenizeCommand.Create(input ?? Console.In, output, error),
            BenchModelCommand.Create(output),
        };
        var config = new InvocationConfiguration { Output = output, Error = error };
        return root.Parse(args).Invoke(config);
    }
}
