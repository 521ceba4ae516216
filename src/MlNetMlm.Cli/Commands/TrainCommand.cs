using System.CommandLine;
using Microsoft.ML;
using MlNetMlm.Cli.Shared;
using MlNetMlm.Modeling;
using MlNetMlm.Tokenization;
using MlNetMlm.Training;

namespace MlNetMlm.Cli.Commands;

/// <summary>
/// <c>mlnet-mlm train</c>: masked-LM training on your own JSONL, CSV or text files, from scratch or from a
/// Hugging Face checkpoint. Option names follow HF's <c>run_mlm.py</c> / <c>Trainer</c> (kebab-case; the HF
/// spelling is an alias where it differs).
/// </summary>
internal static class TrainCommand
{
    public static Command Create(CliContext cli)
    {
        var data = new Option<string[]>("--data", "--train-file") { Description = "Training files (.jsonl/.jsonl.gz, .csv, or text with one example a line).", Required = true, AllowMultipleArgumentsPerToken = true };
        var textColumn = new Option<string?>("--text-column") { Description = "JSONL field (dotted path, e.g. answers.text; a list of strings is joined with a space) or CSV column. Default: text." };
        var format = new Option<string?>("--format") { Description = "jsonl, csv or text (default: from the file extension; unknown extensions are text)." };
        format.AcceptOnlyFromAmong(TextData.Formats);
        var model = new Option<string?>("--model", "--model-name-or-path") { Description = "Hugging Face checkpoint folder to fine-tune (its tokenizer files are used)." };
        var config = new Option<string?>("--config", "--config-name") { Description = "config.json of a model to train from scratch (vocab size and special ids come from the tokenizer)." };
        var size = new Option<string>("--size") { Description = "From-scratch size when neither --model nor --config is given: small or tiny.", DefaultValueFactory = _ => "small" };
        size.AcceptOnlyFromAmong(ModelShapes.Names);
        var output = new Option<string>("--output", "--output-dir", "-o") { Description = "Folder for model.zip, hf/, metrics.json, loss.png and checkpoints/.", Required = true };
        var epochs = new Option<int>("--epochs", "--num-train-epochs") { Description = "Passes over the training data.", DefaultValueFactory = _ => 3 };
        var batchSize = new Option<int>("--batch-size", "--per-device-train-batch-size") { Description = "Blocks per step.", DefaultValueFactory = _ => 8 };
        var lr = new Option<double>("--lr", "--learning-rate") { Description = "Peak AdamW learning rate (HF's default 5e-5 suits fine-tuning; from scratch try 5e-4 to 1e-3).", DefaultValueFactory = _ => 5e-5 };
        var warmup = new Option<long>("--warmup", "--warmup-steps") { Description = "Linear warm-up steps.", DefaultValueFactory = _ => 0 };
        var warmupRatio = new Option<double>("--warmup-ratio") { Description = "Warm-up as a fraction of all steps (when --warmup is 0).", DefaultValueFactory = _ => 0 };
        var weightDecay = new Option<double>("--weight-decay") { Description = "AdamW weight decay (not on biases and LayerNorm).", DefaultValueFactory = _ => 0.01 };
        var gradAccum = new Option<int>("--grad-accum", "--gradient-accumulation-steps") { Description = "Batches per optimizer step.", DefaultValueFactory = _ => 1 };
        var maxSteps = new Option<long>("--max-steps") { Description = "Total optimizer steps; overrides --epochs when positive.", DefaultValueFactory = _ => -1 };
        var blockSize = new Option<int>("--block-size") { Description = "Tokens per training block.", DefaultValueFactory = _ => 128 };
        var mlmProbability = new Option<double>("--mlm-probability") { Description = "Share of tokens chosen for prediction.", DefaultValueFactory = _ => 0.15 };
        var evalFraction = new Option<double>("--eval-fraction") { Description = "Share of examples held out for evaluation (0: none).", DefaultValueFactory = _ => 0.1 };
        var evalSteps = new Option<long>("--eval-steps") { Description = "Evaluate every this many steps (0: after each epoch).", DefaultValueFactory = _ => 0 };
        var loggingSteps = new Option<long>("--logging-steps") { Description = "Log the training loss every this many steps.", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "Seeds the split, initialisation, data order and masks.", DefaultValueFactory = _ => 42 };
        var device = new Option<string?>("--device") { Description = "cpu, cuda or cuda:N (default: CUDA when available)." };
        var saveSteps = new Option<long>("--save-steps") { Description = "Write a checkpoint every this many steps (0: only at the end).", DefaultValueFactory = _ => 500 };
        var saveLimit = new Option<int>("--save-total-limit") { Description = "Checkpoints kept (oldest deleted).", DefaultValueFactory = _ => 3 };
        var resume = new Option<string?>("--resume", "--resume-from-checkpoint") { Description = "Continue from a checkpoint folder, or 'latest' in --output/checkpoints." };
        var lineByLine = new Option<bool>("--line-by-line") { Description = "One block per example (truncated and padded) instead of concatenating texts." };
        var overwrite = new Option<bool>("--overwrite", "--overwrite-output-dir") { Description = "Replace the outputs of an earlier run in --output." };
        var bf16 = PrecisionOption.Bf16("Matrix products (training, evaluation, the trained model's fill-mask)");
        var fp16 = PrecisionOption.Fp16();

        foreach (var o in new[] { epochs, batchSize, gradAccum, blockSize })
            o.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError($"{o.Name} must be at least 1."); });
        foreach (var o in new[] { warmup, evalSteps, saveSteps })
            o.Validators.Add(r => { if (r.GetValueOrDefault<long>() < 0) r.AddError($"{o.Name} must not be negative."); });
        loggingSteps.Validators.Add(r => { if (r.GetValueOrDefault<long>() < 1) r.AddError("--logging-steps must be at least 1."); });
        lr.Validators.Add(r => { if (!(r.GetValueOrDefault<double>() > 0)) r.AddError("--lr must be positive."); });
        mlmProbability.Validators.Add(r => { var p = r.GetValueOrDefault<double>(); if (!(p > 0 && p < 1)) r.AddError("--mlm-probability must be between 0 and 1."); });
        evalFraction.Validators.Add(r => { var p = r.GetValueOrDefault<double>(); if (!(p >= 0 && p < 1)) r.AddError("--eval-fraction must be at least 0 and below 1."); });

        var command = new Command("train", "Train a RoBERTa masked LM on JSONL, CSV or text files; writes model.zip, hf/, metrics.json, loss.png and checkpoints/.")
        {
            data, textColumn, format, model, config, size, output, epochs, batchSize, lr, warmup, warmupRatio, weightDecay, gradAccum, maxSteps,
            blockSize, mlmProbability, evalFraction, evalSteps, loggingSteps, seed, device, saveSteps, saveLimit, resume, lineByLine, overwrite,
            bf16, fp16,
        };
        command.Validators.Add(r =>
        {
            if (r.GetValue(model) is not null && r.GetValue(config) is not null) r.AddError("give --model (fine-tune a checkpoint) or --config (train from scratch), not both.");
        });
        CommandRunner.SetAction(command, cli, p =>
        {
            var options = new MaskedLmTrainerOptions
            {
                Epochs = p.GetValue(epochs),
                MaxSteps = p.GetValue(maxSteps),
                BatchSize = p.GetValue(batchSize),
                GradientAccumulationSteps = p.GetValue(gradAccum),
                LearningRate = p.GetValue(lr),
                WarmupSteps = p.GetValue(warmup),
                WarmupRatio = p.GetValue(warmupRatio),
                WeightDecay = p.GetValue(weightDecay),
                Seed = p.GetValue(seed),
                Device = p.GetValue(device),
                EvaluationSteps = p.GetValue(evalSteps),
                LoggingSteps = p.GetValue(loggingSteps),
                SaveSteps = p.GetValue(saveSteps),
                SaveTotalLimit = p.GetValue(saveLimit),
                ResumeFromCheckpoint = p.GetValue(resume),
                Precision = PrecisionOption.Resolve(cli, p.GetValue(bf16), p.GetValue(device), p.GetValue(fp16)),
            };
            return Run(cli, new Settings(p.GetValue(data)!, p.GetValue(textColumn), p.GetValue(format), p.GetValue(model), p.GetValue(config), p.GetValue(size)!,
                p.GetValue(output)!, p.GetValue(blockSize), p.GetValue(mlmProbability), p.GetValue(evalFraction), p.GetValue(lineByLine), p.GetValue(overwrite),
                p.GetValue(cli.Verbose), options));
        });
        return command;
    }

    internal sealed record Settings(string[] Data, string? TextColumn, string? Format, string? Model, string? Config, string Size, string Output,
        int BlockSize, double MlmProbability, double EvalFraction, bool LineByLine, bool Overwrite, bool Verbose, MaskedLmTrainerOptions Options);

    internal static int Run(CliContext cli, Settings s)
    {
        var o = cli.Output;
        string outDir = Path.GetFullPath(s.Output);
        var options = s.Options;
        TrainingSession.CheckOutputDirectory(outDir, s.Overwrite, resuming: options.ResumeFromCheckpoint is not null);

        // The model and its tokenizer first: a wrong folder should fail before the data is read.
        RobertaTokenizer tokenizer;
        RobertaConfig modelConfig;
        if (s.Model is { } modelDir)
        {
            string configPath = Path.Combine(modelDir, "config.json");
            if (!File.Exists(configPath)) throw new CliException($"--model '{modelDir}' has no config.json; give a Hugging Face model folder.");
            modelConfig = RobertaConfig.Load(configPath);
            bool hasTokenizer = File.Exists(Path.Combine(modelDir, "vocab.json")) || File.Exists(Path.Combine(modelDir, "tokenizer.json"));
            tokenizer = hasTokenizer ? RobertaTokenizer.FromDirectory(modelDir) : RobertaTokenizer.Default;
            if (!hasTokenizer) o.WriteLine($"note: '{modelDir}' has no tokenizer files; using the offline default tokenizer.");
            options.ModelDirectory = modelDir;
        }
        else
        {
            if (s.Config is { } configFile && !File.Exists(configFile)) throw new CliException($"--config file '{configFile}' not found.");
            modelConfig = s.Config is { } path ? RobertaConfig.Load(path) : ModelShapes.Get(s.Size);
            tokenizer = RobertaTokenizer.Default;
            // The trainer takes these from the tokenizer too; set here so that what is printed is what is trained.
            modelConfig.VocabSize = tokenizer.VocabularySize;
            (modelConfig.PadTokenId, modelConfig.BosTokenId, modelConfig.EosTokenId) = (tokenizer.PadId, tokenizer.BosId, tokenizer.EosId);
            options.Config = modelConfig;
        }
        options.Tokenizer = tokenizer;
        if (s.BlockSize > modelConfig.MaxSequenceLength)
            throw new CliException($"--block-size {s.BlockSize} is longer than the model takes ({modelConfig.MaxSequenceLength} tokens: max_position_embeddings {modelConfig.MaxPositionEmbeddings} minus RoBERTa's offset of {modelConfig.PadTokenId + 1}).");

        var ml = new MLContext(seed: options.Seed);
        var loaded = TextData.Load(ml, s.Data, s.Format, s.TextColumn);
        TextData.Preflight(loaded);
        IDataView trainText = loaded.Data, evalText = null!;
        if (s.EvalFraction > 0)
        {
            var split = ml.Data.TrainTestSplit(loaded.Data, testFraction: s.EvalFraction, seed: options.Seed);
            (trainText, evalText) = (split.TrainSet, split.TestSet);
        }

        o.WriteLine($"Training on {loaded.Description}{(s.EvalFraction > 0 ? $", {s.EvalFraction:P0} held out" : "")}.");
        o.WriteLine(s.Model is not null ? $"  model: fine-tuning '{s.Model}' ({modelConfig})" : $"  model: from scratch, {modelConfig}");
        var plan = new TrainingPlan
        {
            TrainText = trainText,
            EvalText = s.EvalFraction > 0 ? evalText : null,
            ToText = loaded.ToText,
            Tokenizer = tokenizer,
            BlockSize = s.BlockSize,
            LineByLine = s.LineByLine,
            MlmProbability = s.MlmProbability,
            Options = options,
            OutputDirectory = outDir,
            DataDescription = loaded.Description,
            ResumeHint = "the same train command plus --resume latest",
        };
        var run = TrainingSession.Run(ml, cli, plan, s.Verbose);
        using var trained = run.Model;
        var metrics = trained.Metrics!;
        o.WriteLine();
        string precision = options.Precision == Precision.BFloat16 ? ", bf16" : "";
        o.WriteLine($"Trained {metrics.TotalSteps} steps in {metrics.TrainSeconds:F0} s ({metrics.TokensPerSecond:F0} tokens/s{precision}).");
        DemoCommand.WriteEvaluation(o, metrics, run.EvalBlocks);
        o.WriteLine("Outputs:");
        o.WriteLine($"  ML.NET model     {run.Zip}");
        o.WriteLine($"  Hugging Face     {run.HfDirectory}{Path.DirectorySeparatorChar}");
        o.WriteLine($"  loss plot        {run.LossPng}");
        o.WriteLine($"  metrics          {run.MetricsJson}");
        o.WriteLine($"  checkpoints      {run.Checkpoints}{Path.DirectorySeparatorChar}");
        return 0;
    }
}
