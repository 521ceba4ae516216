using System.CommandLine;
using Microsoft.ML;
using MlNetMlm.Cli.Shared;

namespace MlNetMlm.Cli.Commands;

/// <summary><c>mlnet-mlm export</c>: a model zip (or HF folder) as a Hugging Face folder with a model card, ready for the Hub.</summary>
internal static class ExportCommand
{
    public static Command Create(CliContext cli)
    {
        var model = new Option<string>("--model") { Description = "Model zip from train/demo (or a Hugging Face folder to copy).", Required = true };
        var hf = new Option<string>("--hf") { Description = "Folder to write: config.json, model.safetensors, vocab.json, merges.txt, model card.", Required = true };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a non-empty --hf folder." };
        var command = new Command("export", "Write a model as a Hugging Face folder (config, safetensors weights, tokenizer files, model card).") { model, hf, overwrite };
        CommandRunner.SetAction(command, cli, p => Run(cli, p.GetValue(model)!, p.GetValue(hf)!, p.GetValue(overwrite)));
        return command;
    }

    internal static int Run(CliContext cli, string modelPath, string hfDirectory, bool overwrite)
    {
        string target = Path.GetFullPath(hfDirectory);
        if (File.Exists(target)) throw new CliException($"--hf '{hfDirectory}' is a file; give a folder.");
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() && !overwrite)
            throw new CliException($"--hf '{hfDirectory}' is not empty; pass --overwrite to replace it.");
        if (ModelFiles.IsHuggingFaceFolder(modelPath) && Path.GetFullPath(modelPath).TrimEnd(Path.DirectorySeparatorChar) == target.TrimEnd(Path.DirectorySeparatorChar))
            throw new CliException("--hf is the --model folder itself; choose another folder.");
        var ml = new MLContext(seed: 0);
        using var model = ModelFiles.Load(ml, modelPath);
        model.ExportHuggingFace(target, overwrite);
        cli.Output.WriteLine($"Wrote a Hugging Face model folder: {target}");
        foreach (var file in Directory.EnumerateFiles(target).Order(StringComparer.Ordinal))
            cli.Output.WriteLine($"  {Path.GetFileName(file),-26}{new FileInfo(file).Length,14:N0} bytes");
        cli.Output.WriteLine("Load it in Python with AutoModelForMaskedLM.from_pretrained(...) and AutoTokenizer.from_pretrained(...).");
        return 0;
    }
}
