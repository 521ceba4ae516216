using System.CommandLine;
using MlNetMlm.Cli.Commands;

namespace MlNetMlm.Cli;

public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the command line with the given writers (tests call this in-process).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("mlnet-mlm: masked-language-model training and fill-mask for RoBERTa models with ML.NET.")
        {
            DoctorCommand.Create(output),
            BenchModelCommand.Create(output),
        };
        var config = new InvocationConfiguration { Output = output, Error = error };
        return root.Parse(args).Invoke(config);
    }
}
