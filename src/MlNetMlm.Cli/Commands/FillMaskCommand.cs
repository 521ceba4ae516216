using System.CommandLine;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.Cli.Shared;
using MlNetMlm.FillMask;
using MlNetMlm.Modeling;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Cli.Commands;

/// <summary>
/// <c>mlnet-mlm fill-mask</c>: the most likely tokens for each <c>&lt;mask&gt;</c>, from a model zip or a
/// Hugging Face folder; <c>--json</c> prints HF pipeline-shaped JSON, one line per text.
/// </summary>
internal static class FillMaskCommand
{
    public static Command Create(CliContext cli)
    {
        var model = new Option<string>("--model") { Description = "Model zip from train/demo, or a Hugging Face model folder.", Required = true };
        var topK = new Option<int>("--top-k") { Description = "Candidates per mask.", DefaultValueFactory = _ => 5 };
        var targets = new Option<string?>("--targets") { Description = "Comma-separated words to score instead of the whole vocabulary (HF's targets; a leading space marks a word start: \" spiral\")." };
        var json = new Option<bool>("--json") { Description = "One JSON line per text, shaped like HF's fill-mask pipeline output." };
        var input = new Option<string?>("--input") { Description = "File of texts with <mask>, in any format train takes (.parquet, .json/.json.gz, .jsonl/.jsonl.gz, .csv, .txt); a JSON record is a string or an object with the text field." };
        var textColumn = new Option<string?>("--text-column") { Description = "With --input: the JSON field (dotted path) or Parquet or CSV column of the texts. Default: text." };
        var format = new Option<string?>("--format") { Description = "With --input: parquet, json, jsonl, csv or text (default: from the file extension)." };
        format.AcceptOnlyFromAmong(TextData.Formats);
        var device = new Option<string?>("--device") { Description = "cpu, cuda or cuda:N." };
        var bf16 = PrecisionOption.Bf16("Matrix products");
        var texts = new Argument<string[]>("texts") { Description = "Texts with <mask>.", Arity = ArgumentArity.ZeroOrMore };
        topK.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--top-k must be at least 1."); });

        var command = new Command("fill-mask", "Fill in <mask> with a trained model (zip) or a Hugging Face model folder.")
        {
            model, topK, targets, json, input, textColumn, format, device, bf16, texts,
        };
        command.Validators.Add(r =>
        {
            if (r.GetValue(input) is null && (r.GetValue(textColumn) is not null || r.GetValue(format) is not null))
                r.AddError("--text-column and --format describe the --input file; give --input FILE.");
        });
        CommandRunner.SetAction(command, cli, p => Run(cli, p.GetValue(model)!, p.GetValue(topK), p.GetValue(targets), p.GetValue(json),
            p.GetValue(input), p.GetValue(device), p.GetValue(texts) ?? [], PrecisionOption.Resolve(cli, p.GetValue(bf16), p.GetValue(device)),
            p.GetValue(textColumn), p.GetValue(format)));
        return command;
    }

    internal static int Run(CliContext cli, string modelPath, int topK, string? targetList, bool json, string? inputFile, string? device, string[] texts, Precision precision = Precision.Float32,
        string? textColumn = null, string? format = null)
    {
        var ml = new MLContext(seed: 0);
        var all = new List<(string Source, string Text)>();
        if (inputFile is not null) all.AddRange(ReadInput(ml, inputFile, format, textColumn));
        all.AddRange(texts.Select((t, i) => ($"text {i + 1}", t)));
        if (all.Count == 0) throw new CliException("no text given: pass texts with <mask> as arguments, or --input FILE.");
        var targets = targetList?.Split(',', StringSplitOptions.RemoveEmptyEntries); // not trimmed: " star" (word start) and "star" are different tokens
        if (targets is { Length: 0 }) throw new CliException("--targets is empty; give comma-separated words, e.g. --targets spiral,elliptical.");

        // Checked before the model loads, so a typo fails at once. Every RoBERTa tokenizer spells the mask <mask>.
        const string mask = RobertaTokenizer.MaskTokenText;
        foreach (var (source, text) in all)
            if (!text.Contains(mask, StringComparison.Ordinal)) throw new CliException($"{source} has no {mask}: \"{text}\"");
        using var model = ModelFiles.Load(ml, modelPath, device);

        if (targets is not null)
            foreach (string warning in model.TargetWarnings(targets)) cli.Error.WriteLine($"fill-mask: warning: {warning}");
        var results = model.FillMask(all.Select(x => x.Text).ToList(), topK, targets, precision);
        for (int i = 0; i < all.Count; i++)
        {
            if (json) cli.Output.WriteLine(FillMaskJson.Serialize(results[i]));
            else
            {
                if (i > 0) cli.Output.WriteLine();
                FillMaskOutput.WriteTable(cli.Output, all[i].Text, results[i]);
            }
        }
        return 0;
    }

    /// <summary>
    /// The texts of <c>--input</c>, read as train reads its data (<see cref="TextData"/>: the library's loaders, any
    /// format train takes, bad records named by file:line:column), each with where it came from.
    /// </summary>
    private static List<(string Source, string Text)> ReadInput(MLContext ml, string path, string? format, string? textColumn)
    {
        if (!File.Exists(path)) throw new CliException(Directory.Exists(path) ? $"--input '{path}' is a folder; give a file of texts." : $"--input file '{path}' not found.");
        var loaded = TextData.Load(ml, [path], format, textColumn);
        if (loaded.PreparedBlocks)
            throw new CliException($"--input '{path}' holds prepared blocks (token ids in '{TextData.BlocksColumn}'), not texts; give the texts, or name their column with --text-column.");
        var data = loaded.ToText is null ? loaded.Data : loaded.ToText.Fit(loaded.Data).Transform(loaded.Data);
        return data.GetColumn<string>(TextData.Column).Select((text, i) => ($"{path} row {i + 1}", text)).ToList();
    }
}
