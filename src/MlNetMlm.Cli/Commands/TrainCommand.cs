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
    /// <summary>The <see cref="RobertaConfig.Preset"/> sizes meant for training from scratch on a CPU (--size of train and demo).</summary>
    internal static readonly string[] CliSizes = ["small", "tiny"];

    public static Command Create(CliContext cli)
    {
        var data = new Option<string[]>("--data", "--train-file") { Description = "Training files: .parquet (prepared blocks too), .json/.json.gz (array or lines), .jsonl/.jsonl.gz, .csv, or .txt with one example a line.", Required = true, AllowMultipleArgumentsPerToken = true };
        var validation = new Option<string[]>("--validation-file") { Description = "Evaluation files (same format and --text-column as --train-file); instead of holding out --eval-fraction.", AllowMultipleArgumentsPerToken = true };
        var textColumn = new Option<string?>("--text-column") { Description = "JSONL field (dotted path, e.g. answers.text; a list of strings is joined with a space) or CSV column. Default: text." };
        var format = new Option<string?>("--format") { Description = "parquet, json, jsonl, csv or text (default: from the file extension; an unknown extension is an error)." };
        format.AcceptOnlyFromAmong(TextData.Formats);
        var model = new Option<string?>("--model", "--model-name-or-path") { Description = "Hugging Face checkpoint folder to fine-tune (its tokenizer files are used)." };
        var config = new Option<string?>("--config", "--config-name") { Description = "config.json of a model to train from scratch (vocab size and special ids come from the tokenizer)." };
        var tokenizerName = new Option<string?>("--tokenizer-name", "--tokenizer") { Description = "Tokenizer folder (vocab.json + merges.txt, or tokenizer.json): with --model it replaces the model's; without, the from-scratch model gets its vocabulary. Default: the model's, else the offline default." };
        var size = new Option<string>("--size") { Description = "From-scratch size when neither --model nor --config is given: small or tiny.", DefaultValueFactory = _ => "small" };
        size.AcceptOnlyFromAmong(CliSizes);
        var output = new Option<string>("--output", "--output-dir", "-o") { Description = "Folder for model.zip, hf/, metrics.json, loss.png and checkpoints/.", Required = true };
        var epochs = new Option<int>("--epochs", "--num-train-epochs") { Description = "Passes over the training data.", DefaultValueFactory = _ => 3 };
        var batchSize = new Option<int>("--batch-size", "--per-device-train-batch-size") { Description = "Blocks per step.", DefaultValueFactory = _ => 8 };
        var evalBatchSize = new Option<int?>("--per-device-eval-batch-size", "--eval-batch-size") { Description = "Blocks per evaluation batch (default: --batch-size)." };
        var maxTrainSamples = new Option<int?>("--max-train-samples") { Description = "Train on the first N samples only (blocks of --block-size tokens; examples with --line-by-line), as run_mlm.py." };
        var maxEvalSamples = new Option<int?>("--max-eval-samples") { Description = "Evaluate on the first N samples only (blocks, or examples with --line-by-line)." };
        var scheduler = new Option<string>("--lr-scheduler-type") { Description = "Learning-rate decay after warm-up: linear, cosine, constant_with_warmup, or constant (no warm-up).", DefaultValueFactory = _ => "linear" };
        scheduler.AcceptOnlyFromAmong(Schedules.Keys.ToArray());
        var lr = new Option<double>("--lr", "--learning-rate") { Description = "Peak AdamW learning rate (HF's default 5e-5 suits fine-tuning; from scratch try 5e-4 to 1e-3).", DefaultValueFactory = _ => 5e-5 };
        var warmup = new Option<long>("--warmup", "--warmup-steps") { Description = "Linear warm-up steps.", DefaultValueFactory = _ => 0 };
        var warmupRatio = new Option<double>("--warmup-ratio") { Description = "Warm-up as a fraction of all steps (when --warmup is 0).", DefaultValueFactory = _ => 0 };
        var weightDecay = new Option<double>("--weight-decay") { Description = "AdamW weight decay (not on biases and LayerNorm).", DefaultValueFactory = _ => 0.01 };
        var gradAccum = new Option<int>("--grad-accum", "--gradient-accumulation-steps") { Description = "Batches per optimizer step.", DefaultValueFactory = _ => 1 };
        var maxSteps = new Option<long>("--max-steps") { Description = "Total optimizer steps; overrides --epochs when positive.", DefaultValueFactory = _ => -1 };
        var blockSize = new Option<int>("--block-size") { Description = "Tokens per training block.", DefaultValueFactory = _ => 128 };
        var mlmProbability = new Option<double>("--mlm-probability") { Description = "Share of tokens chosen for prediction.", DefaultValueFactory = _ => 0.15 };
        var evalFraction = new Option<double>("--eval-fraction", "--validation-split-percentage") { Description = "Share of examples held out for evaluation, exactly round(share × examples), seeded by --seed (0: none; ignored with --validation-file).", DefaultValueFactory = _ => 0.1 };
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
        foreach (var o in new[] { evalBatchSize, maxTrainSamples, maxEvalSamples })
            o.Validators.Add(r => { if (r.GetValueOrDefault<int?>() < 1) r.AddError($"{o.Name} must be at least 1."); });
        foreach (var o in new[] { warmup, evalSteps, saveSteps })
            o.Validators.Add(r => { if (r.GetValueOrDefault<long>() < 0) r.AddError($"{o.Name} must not be negative."); });
        loggingSteps.Validators.Add(r => { if (r.GetValueOrDefault<long>() < 1) r.AddError("--logging-steps must be at least 1."); });
        lr.Validators.Add(r => { var v = r.GetValueOrDefault<double>(); if (!(v > 0 && v <= float.MaxValue)) r.AddError($"--lr must be positive and at most {float.MaxValue:G3} (libtorch keeps it as a 32-bit float); got {v}."); });
        mlmProbability.Validators.Add(r => { var p = r.GetValueOrDefault<double>(); if (!(p > 0 && p < 1)) r.AddError("--mlm-probability must be between 0 and 1."); });
        evalFraction.Validators.Add(r => { var p = r.GetValueOrDefault<double>(); if (!(p >= 0 && p < 1)) r.AddError("--eval-fraction must be at least 0 and below 1."); });

        var command = new Command("train", "Train a RoBERTa masked LM on JSONL, CSV or text files; writes model.zip, hf/, metrics.json, loss.png and checkpoints/.")
        {
            data, validation, textColumn, format, model, config, tokenizerName, size, output, epochs, batchSize, evalBatchSize, maxTrainSamples, maxEvalSamples,
            lr, scheduler, warmup, warmupRatio, weightDecay, gradAccum, maxSteps,
            blockSize, mlmProbability, evalFraction, evalSteps, loggingSteps, seed, device, saveSteps, saveLimit, resume, lineByLine, overwrite,
            bf16, fp16,
        };
        command.Validators.Add(r =>
        {
            if (r.GetValue(model) is not null && r.GetValue(config) is not null) r.AddError("give --model (fine-tune a checkpoint) or --config (train from scratch), not both.");
        });
        CommandRunner.SetAction(command, cli, p =>
        {
            string schedule = p.GetValue(scheduler)!;
            var options = new MaskedLmTrainerOptions
            {
                Schedule = Schedules[schedule],
                EvaluationBatchSize = p.GetValue(evalBatchSize),
                Epochs = p.GetValue(epochs),
                MaxSteps = p.GetValue(maxSteps),
                BatchSize = p.GetValue(batchSize),
                GradientAccumulationSteps = p.GetValue(gradAccum),
                LearningRate = p.GetValue(lr),
                // HF's "constant" schedule has no warm-up; "constant_with_warmup" is the same one after it.
                WarmupSteps = schedule == "constant" ? 0 : p.GetValue(warmup),
                WarmupRatio = schedule == "constant" ? 0 : p.GetValue(warmupRatio),
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
                p.GetValue(cli.Verbose), options)
            {
                ValidationFiles = p.GetValue(validation) ?? [],
                TokenizerName = p.GetValue(tokenizerName),
                MaxTrainSamples = p.GetValue(maxTrainSamples),
                MaxEvalSamples = p.GetValue(maxEvalSamples),
            });
        });
        return command;
    }

    /// <summary>Hugging Face's <c>--lr_scheduler_type</c> names that MlNetMlm's schedules cover.</summary>
    private static readonly Dictionary<string, LearningRateScheduleKind> Schedules = new()
    {
        ["linear"] = LearningRateScheduleKind.Linear,
        ["cosine"] = LearningRateScheduleKind.Cosine,
        ["constant_with_warmup"] = LearningRateScheduleKind.Constant,
        ["constant"] = LearningRateScheduleKind.Constant,
    };

    internal sealed record Settings(string[] Data, string? TextColumn, string? Format, string? Model, string? Config, string Size, string Output,
        int BlockSize, double MlmProbability, double EvalFraction, bool LineByLine, bool Overwrite, bool Verbose, MaskedLmTrainerOptions Options)
    {
        public string[] ValidationFiles { get; init; } = [];
        public string? TokenizerName { get; init; }
        public int? MaxTrainSamples { get; init; }
        public int? MaxEvalSamples { get; init; }
    }

    internal static int Run(CliContext cli, Settings s)
    {
        var o = cli.Output;
        string outDir = Path.GetFullPath(s.Output);
        var options = s.Options;
        TrainingSession.CheckOutputDirectory(outDir, s.Overwrite, resuming: options.ResumeFromCheckpoint is not null);

        // The model and its tokenizer first: a wrong folder should fail before the data is read.
        RobertaTokenizer? named = s.TokenizerName is { } tokenizerDir ? NamedTokenizer(tokenizerDir) : null;
        RobertaTokenizer tokenizer;
        RobertaConfig modelConfig;
        if (s.Model is { } modelDir)
        {
            string configPath = Path.Combine(modelDir, "config.json");
            if (!File.Exists(configPath)) throw new CliException($"--model '{modelDir}' has no config.json; give a Hugging Face model folder.");
            modelConfig = RobertaConfig.Load(configPath);
            bool hasTokenizer = RobertaTokenizer.HasTokenizerFiles(modelDir);
            tokenizer = named ?? (hasTokenizer ? RobertaTokenizer.FromDirectory(modelDir) : RobertaTokenizer.Default);
            if (!hasTokenizer && named is null) o.WriteLine($"note: '{modelDir}' has no tokenizer files (vocab.json + merges.txt, or tokenizer.json); using the offline default tokenizer.");
            options.ModelDirectory = modelDir;
        }
        else
        {
            if (s.Config is { } configFile && !File.Exists(configFile)) throw new CliException($"--config file '{configFile}' not found.");
            tokenizer = named ?? RobertaTokenizer.Default;
            // The trainer makes the same call; made here too so that what is printed is what is trained.
            modelConfig = (s.Config is { } path ? RobertaConfig.Load(path) : RobertaConfig.Preset(s.Size)).WithTokenizer(tokenizer);
            options.Config = modelConfig;
        }
        options.Tokenizer = tokenizer;
        if (s.BlockSize > modelConfig.MaxSequenceLength)
            throw new CliException($"--block-size {s.BlockSize} is longer than the model takes ({modelConfig.MaxSequenceLength} tokens: max_position_embeddings {modelConfig.MaxPositionEmbeddings} minus RoBERTa's offset of {modelConfig.PadTokenId + 1}).");

        var ml = new MLContext(seed: options.Seed);
        long? resumedAt = null;
        var loaded = TextData.Load(ml, s.Data, s.Format, s.TextColumn);
        TextData.Preflight(loaded);
        IDataView trainText = loaded.Data;
        IDataView? evalText = null;
        string evaluation = "no evaluation";
        if (s.ValidationFiles.Length > 0)
        {
            var validation = TextData.Load(ml, s.ValidationFiles, s.Format, s.TextColumn);
            TextData.Preflight(validation);
            evalText = validation.Data;
            evaluation = $"evaluating on {validation.Description}";
        }
        else if (s.EvalFraction > 0)
        {
            var split = ml.Data.ExactTrainTestSplit(loaded.Data, testFraction: s.EvalFraction, seed: options.Seed);
            (trainText, evalText) = (split.TrainSet, split.TestSet);
            long held = split.TestSet.GetRowCount()!.Value, all = held + split.TrainSet.GetRowCount()!.Value;
            evaluation = $"{held} of {all} examples held out for evaluation (seed {options.Seed})";
        }

        o.WriteLine($"Training on {loaded.Description}; {evaluation}.");
        if (options.ResumeFromCheckpoint is { } spec)
        {
            var (checkpoint, step) = MaskedLmTrainer.FindCheckpoint(spec, TrainingSession.CheckpointDirectory(outDir));
            resumedAt = step;
            o.WriteLine($"  resuming from {checkpoint} (step {step}; its weights, optimizer state and data position)");
        }
        else o.WriteLine(s.Model is not null ? $"  model: fine-tuning '{s.Model}' ({modelConfig})" : $"  model: from scratch, {modelConfig}");
        var plan = new TrainingPlan
        {
            TrainText = trainText,
            EvalText = evalText,
            MaxTrainSamples = s.MaxTrainSamples,
            MaxEvalSamples = s.MaxEvalSamples,
            ToText = loaded.ToText,
            Tokenizer = tokenizer,
            BlockSize = s.BlockSize,
            LineByLine = s.LineByLine,
            PreparedBlocks = loaded.PreparedBlocks,
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
        if (resumedAt is { } done && metrics.TotalSteps == done)
            o.WriteLine($"Nothing left to train: the checkpoint had finished all {done} steps; the outputs below are written from it.");
        else
            o.WriteLine(resumedAt is { } from
                ? $"Trained steps {from + 1}-{metrics.TotalSteps} ({metrics.TrainSeconds:F0} s of training in all, {metrics.TokensPerSecond:F0} tokens/s{precision})."
                : $"Trained {metrics.TotalSteps} steps in {metrics.TrainSeconds:F0} s ({metrics.TokensPerSecond:F0} tokens/s{precision}).");
        DemoCommand.WriteEvaluation(o, metrics, run.EvalBlocks);
        o.WriteLine("Outputs:");
        o.WriteLine($"  ML.NET model     {run.Zip}");
        o.WriteLine($"  Hugging Face     {run.HfDirectory}{Path.DirectorySeparatorChar}");
        o.WriteLine($"  loss plot        {run.LossPng}");
        o.WriteLine($"  metrics          {run.MetricsJson}");
        o.WriteLine($"  checkpoints      {run.Checkpoints}{Path.DirectorySeparatorChar}");
        return 0;
    }

    /// <summary>A tokenizer folder given by --tokenizer-name, found by the library's one rule.</summary>
    private static RobertaTokenizer NamedTokenizer(string directory)
    {
        if (!Directory.Exists(directory))
            throw new CliException($"--tokenizer-name '{directory}' is not a folder; give a local tokenizer folder (vocab.json + merges.txt, or tokenizer.json). Nothing is downloaded.");
        if (!RobertaTokenizer.HasTokenizerFiles(directory))
            throw new CliException($"--tokenizer-name '{directory}' has neither vocab.json + merges.txt nor tokenizer.json.");
        return RobertaTokenizer.FromDirectory(directory);
    }
}
