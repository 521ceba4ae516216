using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using MlNetMlm.Metrics;
using MlNetMlm.Cli.Shared;
using MlNetMlm.Modeling;
using MlNetMlm.Training;

namespace MlNetMlm.Cli.Commands;

/// <summary>
/// <c>mlnet-mlm evaluate</c>: loss, perplexity and masked-token accuracy of a model on a data file, with
/// masks drawn from <c>--seed</c> so that two models (or two runs) are compared on the same positions.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create(CliContext cli)
    {
        var model = new Option<string>("--model") { Description = "Model zip from train/demo, or a Hugging Face model folder.", Required = true };
        var data = new Option<string[]>("--data") { Description = "Evaluation files: .parquet (prepared blocks too), .json/.json.gz, .jsonl/.jsonl.gz, .csv or .txt.", Required = true, AllowMultipleArgumentsPerToken = true };
        var textColumn = new Option<string?>("--text-column") { Description = "JSONL field (dotted path) or CSV column. Default: text." };
        var format = new Option<string?>("--format") { Description = "parquet, json, jsonl, csv or text (default: from the file extension)." };
        format.AcceptOnlyFromAmong(TextData.Formats);
        var blockSize = new Option<int>("--block-size") { Description = "Tokens per block (at most what the model takes).", DefaultValueFactory = _ => 128 };
        var mlmProbability = new Option<double>("--mlm-probability") { Description = "Share of tokens masked.", DefaultValueFactory = _ => 0.15 };
        var seed = new Option<int>("--seed") { Description = "Seeds the masks: same seed, same masked positions.", DefaultValueFactory = _ => 42 };
        var batchSize = new Option<int>("--batch-size") { Description = "Blocks per forward pass.", DefaultValueFactory = _ => 8 };
        var lineByLine = new Option<bool>("--line-by-line") { Description = "One block per example instead of concatenating texts." };
        var device = new Option<string?>("--device") { Description = "cpu, cuda or cuda:N." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var bf16 = PrecisionOption.Bf16("Matrix products");
        blockSize.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--block-size must be at least 1."); });
        batchSize.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--batch-size must be at least 1."); });
        mlmProbability.Validators.Add(r => { var p = r.GetValueOrDefault<double>(); if (!(p > 0 && p < 1)) r.AddError("--mlm-probability must be between 0 and 1."); });

        var command = new Command("evaluate", "Loss, perplexity and masked-token accuracy of a model on a data file (seeded masking).")
        {
            model, data, textColumn, format, blockSize, mlmProbability, seed, batchSize, lineByLine, device, json, bf16,
        };
        CommandRunner.SetAction(command, cli, p => Run(cli, p.GetValue(model)!, p.GetValue(data)!, p.GetValue(textColumn), p.GetValue(format),
            p.GetValue(blockSize), p.GetValue(mlmProbability), p.GetValue(seed), p.GetValue(batchSize), p.GetValue(lineByLine), p.GetValue(device), p.GetValue(json),
            PrecisionOption.Resolve(cli, p.GetValue(bf16), p.GetValue(device))));
        return command;
    }

    internal static int Run(CliContext cli, string modelPath, string[] dataFiles, string? textColumn, string? format, int blockSize,
        double mlmProbability, int seed, int batchSize, bool lineByLine, string? device, bool json, Precision precision = Precision.Float32)
    {
        var ml = new MLContext(seed: seed);
        var loaded = TextData.Load(ml, dataFiles, format, textColumn);
        TextData.Preflight(loaded);
        using var model = ModelFiles.Load(ml, modelPath, device);
        var config = model.Model.Config;
        if (blockSize > config.MaxSequenceLength)
            throw new CliException($"--block-size {blockSize} is longer than the model takes ({config.MaxSequenceLength} tokens).");

        var prepare = BlockPreparation.Create(ml, loaded.ToText, model.Tokenizer, blockSize, lineByLine, mlmProbability, seed, loaded.PreparedBlocks);
        var blocks = prepare.Fit(loaded.Data).Transform(loaded.Data);
        EvaluationEntry result;
        try
        {
            result = MaskedLmEvaluation.Evaluate(model, blocks, batchSize, seed, precision);
        }
        catch (NoMaskedTokensException)
        {
            throw new CliException($"{loaded.Description} gives no masked token to score: is it shorter than one block of {blockSize} tokens? Try a smaller --block-size or --line-by-line.");
        }

        if (json)
        {
            cli.Output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["eval_loss"] = result.Loss, ["perplexity"] = result.Perplexity, ["masked_accuracy"] = result.Accuracy,
                ["masked_tokens"] = result.MaskedTokens, ["seed"] = seed, ["block_size"] = blockSize,
            }));
            return 0;
        }
        var o = cli.Output;
        o.WriteLine($"Evaluated '{modelPath}' on {loaded.Description} ({result.MaskedTokens} masked tokens, block size {blockSize}, seed {seed}):");
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  loss             {result.Loss:F4}"));
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  perplexity       {result.Perplexity:F2}"));
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  masked accuracy  {result.Accuracy:P2}"));
        return 0;
    }
}
