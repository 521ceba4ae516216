using System.CommandLine;
using MlNetMlm.Cli.Shared;

namespace MlNetMlm.Cli.Commands;

/// <summary><c>mlnet-mlm sample</c>: writes the embedded ELI5-style science sample, so <c>train</c> and <c>evaluate</c> can be tried on a real file.</summary>
internal static class SampleCommand
{
    public static Command Create(CliContext cli)
    {
        var output = new Option<string>("--output", "-o") { Description = "The .jsonl file to write.", DefaultValueFactory = _ => "eli5-science.jsonl" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing file." };
        var command = new Command("sample", "Write the embedded ELI5-style science sample (70 questions, 210 answers; nested answers.text) as JSON Lines.") { output, overwrite };
        CommandRunner.SetAction(command, cli, p =>
        {
            string path = Path.GetFullPath(p.GetValue(output)!);
            if (File.Exists(path) && !p.GetValue(overwrite)) throw new CliException($"'{path}' exists; pass --overwrite to replace it.");
            if (Directory.Exists(path)) throw new CliException($"'{path}' is a folder; give a file name.");
            MlNetMlmSamples.WriteEli5(path);
            cli.Output.WriteLine($"Wrote {path} ({new FileInfo(path).Length:N0} bytes). Train on it with: mlnet-mlm train --data {Path.GetFileName(path)} --text-column answers.text --output run");
            return 0;
        });
        return command;
    }
}
