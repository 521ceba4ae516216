using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MlNetMlm.FillMask;
using MlNetMlm.Interop;
using MlNetMlm.Modeling;
using MlNetMlm.Tokenization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMlm.Training;

/// <summary>
/// Fine-tunes (or trains from scratch) a RoBERTa masked language model on blocks of token ids with
/// labels — the output of <c>TokenizeRoberta → GroupTexts → MaskTokens</c> — and returns a
/// <see cref="MaskedLmTransformer"/> that fills in <c>&lt;mask&gt;</c>. Hugging Face <c>Trainer</c>
/// semantics: AdamW with decoupled weight decay (not on biases and LayerNorm weights), warm-up and
/// linear or cosine decay, gradient accumulation and clipping, evaluation loss and perplexity,
/// checkpoints that resume exactly.
/// </summary>
public sealed class MaskedLmTrainer : IEstimator<MaskedLmTransformer>
{
    private const string Component = "MaskedLmTrainer";
    private readonly IHostEnvironment _env;
    private readonly MaskedLmTrainerOptions _options;

    internal MaskedLmTrainer(IHostEnvironment env, MaskedLmTrainerOptions options)
    {
        _env = env ?? throw new ArgumentNullException(nameof(env));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        Validate(options);
    }

    /// <summary>The options this trainer was made with.</summary>
    public MaskedLmTrainerOptions Options => _options;

    private static void Validate(MaskedLmTrainerOptions o)
    {
        static void Check(bool ok, string message)
        {
            if (!ok) throw new ArgumentOutOfRangeException(nameof(o), $"{Component}: {message}");
        }
        Check(o.ModelDirectory is not null || o.Config is not null || o.ResumeFromCheckpoint is not null,
            "set ModelDirectory (a Hugging Face checkpoint folder to fine-tune) or Config (to train from scratch).");
        Check(o.ModelDirectory is null || Directory.Exists(o.ModelDirectory), $"ModelDirectory '{o.ModelDirectory}' does not exist.");
        Check(o.Epochs > 0 || o.MaxSteps > 0, $"Epochs must be positive (got {o.Epochs}) unless MaxSteps is set.");
        Check(o.BatchSize > 0, $"BatchSize must be positive (got {o.BatchSize}).");
        Check(o.GradientAccumulationSteps > 0, $"GradientAccumulationSteps must be positive (got {o.GradientAccumulationSteps}).");
        Check(o.LearningRate > 0 && double.IsFinite(o.LearningRate), $"LearningRate must be a positive number (got {o.LearningRate}).");
        Check(o.WarmupSteps >= 0 && o.WarmupRatio is >= 0 and < 1, "WarmupSteps must be ≥ 0 and WarmupRatio in [0, 1).");
        Check(o.WeightDecay >= 0, $"WeightDecay must be ≥ 0 (got {o.WeightDecay}).");
        Check(o.AdamBeta1 is >= 0 and < 1 && o.AdamBeta2 is >= 0 and < 1 && o.AdamEpsilon > 0, "Adam betas must be in [0, 1) and epsilon positive.");
        Check(o.TopK > 0, $"TopK must be positive (got {o.TopK}).");
        Check(o.SaveTotalLimit > 0, $"SaveTotalLimit must be positive (got {o.SaveTotalLimit}).");
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
        MLNetInternals.SchemaShapes.Map(inputSchema, schema => MaskedLmTransformer.OutputSchemaFor(schema, new FillMaskOptions { TextColumnName = _options.TextColumnName }));

    /// <inheritdoc/>
    public MaskedLmTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        TrainingBlocks.Columns(input.Schema, _options, Component); // name a missing column before any work
        var host = _env.Register(Component);
        using var ch = host.Start("Training");
        return new TrainingRun(_options, ch).Run(input);
    }

    /// <summary>One call of <see cref="Fit"/>: the model, optimizer and position, and the loop.</summary>
    private sealed class TrainingRun
    {
        private readonly MaskedLmTrainerOptions _o;
        private readonly IChannel _ch;
        private readonly Device _device;
        private readonly RobertaTokenizer _tokenizer;
        private readonly RobertaForMaskedLM _model;
        private readonly AdamW _optimizer;
        private readonly IReadOnlyList<Parameter> _parameters;
        private readonly TrainerState _state;
        private readonly string? _resumedFrom;
        private readonly Stopwatch _clock = new();   // training time (evaluations and checkpoints included)
        private double _secondsBefore;               // training time of the run this one resumes

        public TrainingRun(MaskedLmTrainerOptions options, IChannel ch)
        {
            _o = options;
            _ch = ch;
            _device = TorchDevices.Resolve(options.Device);
            _resumedFrom = options.ResumeFromCheckpoint is { } spec ? TrainingCheckpoint.Resolve(spec, options.CheckpointDirectory) : null;
            string? sourceDir = _resumedFrom ?? options.ModelDirectory;
            _tokenizer = options.Tokenizer ?? (sourceDir is not null && HasTokenizerFiles(sourceDir) ? RobertaTokenizer.FromDirectory(sourceDir) : RobertaTokenizer.Default);
            if (sourceDir is not null)
            {
                _model = RobertaForMaskedLM.FromPretrained(sourceDir, message => ch.Info(message));
                ch.Info($"Loaded {_model.Config} from '{sourceDir}'.");
            }
            else
            {
                var config = ConfigFor(options.Config!, _tokenizer);
                _model = RobertaForMaskedLM.FromScratch(config, options.Seed);
                ch.Info($"Initialised {config} from scratch (seed {options.Seed}).");
            }
            if (_tokenizer.VocabularySize > _model.Config.VocabSize)
                throw new InvalidOperationException($"{Component}: the tokenizer has {_tokenizer.VocabularySize} ids but the model's vocab_size is {_model.Config.VocabSize}.");
            _model.to(_device);
            _model.train();
            if (options.Precision == Precision.BFloat16 && BFloat16Support.Check(_device) is { Faster: false } bf16)
                ch.Warning($"Precision BFloat16 will not be faster here ({bf16.Reason}); training in bfloat16 anyway.");
            _parameters = _model.parameters().ToList();
            _optimizer = CreateOptimizer();
            if (_resumedFrom is not null)
            {
                _state = TrainingCheckpoint.ReadState(_resumedFrom);
                TrainingCheckpoint.LoadOptimizer(_resumedFrom, _optimizer);
                using var rng = tensor(Convert.FromBase64String(_state.RngState), ScalarType.Byte);
                torch.random.set_rng_state(rng);
                ch.Info($"Resuming from '{_resumedFrom}' at step {_state.GlobalStep} (epoch {_state.Epoch + 1}, batch {_state.BatchInEpoch}).");
            }
            else
            {
                _state = new TrainerState { Seed = options.Seed };
                torch.random.manual_seed(options.Seed);
            }
        }

        private static bool HasTokenizerFiles(string dir) =>
            File.Exists(Path.Combine(dir, "vocab.json")) || File.Exists(Path.Combine(dir, "tokenizer.json"));

        /// <summary>A from-scratch config takes its vocabulary size and special ids from the tokenizer.</summary>
        private static RobertaConfig ConfigFor(RobertaConfig requested, RobertaTokenizer tokenizer)
        {
            var config = requested.Clone();
            config.VocabSize = tokenizer.VocabularySize;
            config.PadTokenId = tokenizer.PadId;
            config.BosTokenId = tokenizer.BosId;
            config.EosTokenId = tokenizer.EosId;
            return config;
        }

        private AdamW CreateOptimizer() => TrainingOptimizer.Create(_model, _o);

        private static int EpochSeed(int seed, int epoch) => unchecked(seed * 1_000_003 + epoch * 7_919 + 1);

        public MaskedLmTransformer Run(IDataView input)
        {
            var cancel = _o.CancellationToken;
            var epochBlocks = ReadEpoch(input, _state.Epoch, cancel);
            if (epochBlocks.Count == 0)
                throw new InvalidOperationException($"{Component}: the training data has no blocks. Is the corpus shorter than one block (GroupTexts drops the remainder)?");
            int batchesPerEpoch = (epochBlocks.Count + _o.BatchSize - 1) / _o.BatchSize;
            long stepsPerEpoch = (batchesPerEpoch + _o.GradientAccumulationSteps - 1) / _o.GradientAccumulationSteps;
            long totalSteps = _o.MaxSteps > 0 ? _o.MaxSteps : stepsPerEpoch * _o.Epochs;
            int epochs = (int)((totalSteps + stepsPerEpoch - 1) / stepsPerEpoch);
            long warmup = LearningRateSchedule.WarmupSteps(_o.WarmupSteps, _o.WarmupRatio, totalSteps);
            _state.TotalSteps = totalSteps;
            _ch.Info($"Training on {epochBlocks.Count} blocks: {batchesPerEpoch} batches of {_o.BatchSize} per epoch, {totalSteps} optimizer steps " +
                     $"over {epochs} epoch(s), warm-up {warmup}, peak learning rate {_o.LearningRate}, device {_device}, sparse head {(_o.SparseHead ? "on" : "off")}, precision {_o.Precision}.");

            var metrics = _state.Metrics;
            if (_o.EvaluationData is not null && _o.EvaluateBeforeTraining && _state.GlobalStep == 0 && _resumedFrom is null)
                Evaluate(0, 0, cancel);

            var clock = _clock;
            clock.Restart();
            double secondsBefore = _secondsBefore = _state.TrainSeconds;
            byte[] rngAtBoundary = RngState();
            long lastEvalStep = metrics.Evaluations.Count > 0 ? metrics.Evaluations[^1].Step : -1;
            long lastSaveStep = _resumedFrom is null ? -1 : _state.GlobalStep;
            double lastLr = 0;

            int blocksEpoch = _state.Epoch;
            for (int epoch = _state.Epoch; epoch < epochs && _state.GlobalStep < totalSteps; epoch++)
            {
                if (epoch != blocksEpoch)
                {
                    epochBlocks = ReadEpoch(input, epoch, cancel); // a new cursor: fresh masks for this epoch
                    blocksEpoch = epoch;
                }
                _state.Epoch = epoch;
                var order = Enumerable.Range(0, epochBlocks.Count).ToArray();
                if (_o.Shuffle) new Random(EpochSeed(_o.Seed, epoch) ^ 0x2545F491).Shuffle(order);
                int batches = (epochBlocks.Count + _o.BatchSize - 1) / _o.BatchSize;

                for (int b = _state.BatchInEpoch; b < batches && _state.GlobalStep < totalSteps;)
                {
                    // One optimizer step: up to GradientAccumulationSteps batches.
                    if (cancel.IsCancellationRequested) Interrupt(rngAtBoundary, clock, secondsBefore, cancel);
                    int groupEnd = Math.Min(batches, (b / _o.GradientAccumulationSteps + 1) * _o.GradientAccumulationSteps);
                    int groupSize = groupEnd - b;
                    double stepLoss = 0;
                    double lr = _o.LearningRate * LearningRateSchedule.Factor(_o.Schedule, _state.GlobalStep, warmup, totalSteps);
                    using (var scope = NewDisposeScope())
                    {
                        for (; b < groupEnd; b++)
                        {
                            var blocks = order.Skip(b * _o.BatchSize).Take(_o.BatchSize).Select(i => epochBlocks[i]).ToList();
                            using var batch = BatchTensors.Create(blocks, _model.Config.PadTokenId, _device);
                            _state.TokensSeen += batch.TokenCount;
                            if (batch.LabelCount == 0) continue; // nothing masked: no loss to learn from (HF would give NaN)
                            Tensor loss;
                            using (Autocast.Enter(_o.Precision))
                                loss = _model.ComputeLoss(batch.InputIds, batch.AttentionMask, batch.Labels, _o.SparseHead);
                            float value = loss.item<float>();
                            if (!float.IsFinite(value)) StopOnBadLoss(value);
                            (loss / groupSize).backward();
                            stepLoss += value / groupSize;
                        }
                        TrainingOptimizer.Step(_optimizer, _parameters, _o.MaxGradNorm, lr);
                    }
                    lastLr = lr;
                    _state.GlobalStep++;
                    _state.BatchInEpoch = b;
                    _state.LogLossSum += stepLoss;
                    _state.LogLossCount++;
                    rngAtBoundary = RngState();
                    double epochPosition = epoch + (double)b / batches;
                    double seconds = secondsBefore + clock.Elapsed.TotalSeconds;
                    _o.Progress?.Report(new TrainingProgress(_state.GlobalStep, totalSteps, epochPosition, stepLoss, lr,
                        _state.TokensSeen / Math.Max(1e-9, seconds), TimeSpan.FromSeconds(seconds)));

                    if (_o.LoggingSteps > 0 && _state.GlobalStep % _o.LoggingSteps == 0) Log(epochPosition, lr);
                    if (_o.EvaluationData is not null && _o.EvaluationSteps > 0 && _state.GlobalStep % _o.EvaluationSteps == 0)
                        lastEvalStep = Evaluate(_state.GlobalStep, epochPosition, cancel);
                    if (_o.CheckpointDirectory is not null && _o.SaveSteps > 0 && _state.GlobalStep % _o.SaveSteps == 0)
                    {
                        SaveCheckpoint(rngAtBoundary, clock, secondsBefore);
                        lastSaveStep = _state.GlobalStep;
                    }
                }
                if (_state.BatchInEpoch >= batches)
                {
                    _state.BatchInEpoch = 0;
                    _state.Epoch = epoch + 1;
                    if (_o.EvaluationData is not null && _o.EvaluationSteps <= 0 && lastEvalStep != _state.GlobalStep)
                        lastEvalStep = Evaluate(_state.GlobalStep, epoch + 1, cancel);
                }
            }

            if (_state.LogLossCount > 0) Log(_state.Epoch, lastLr);
            if (_o.EvaluationData is not null && lastEvalStep != _state.GlobalStep)
                Evaluate(_state.GlobalStep, _state.Epoch, cancel);
            _state.TrainSeconds = secondsBefore + clock.Elapsed.TotalSeconds;
            metrics.TotalSteps = _state.GlobalStep;
            metrics.TrainSeconds = _state.TrainSeconds;
            metrics.TokensPerSecond = _state.TokensSeen / Math.Max(1e-9, _state.TrainSeconds);
            if (_o.CheckpointDirectory is not null && lastSaveStep != _state.GlobalStep)
                SaveCheckpoint(rngAtBoundary, clock, secondsBefore);
            _ch.Info($"Training done: {_state.GlobalStep} steps in {_state.TrainSeconds:F1} s ({metrics.TokensPerSecond:F0} tokens/s).");

            _model.eval();
            return new MaskedLmTransformer(_model, _tokenizer, new FillMaskOptions { TextColumnName = _o.TextColumnName, TopK = _o.TopK, Precision = _o.Precision }, metrics, _device)
            {
                TrainingInputColumnName = _o.InputIdsColumnName,
            };
        }

        private List<TrainingBlock> ReadEpoch(IDataView input, int epoch, CancellationToken cancel) =>
            TrainingBlocks.Read(input, _o, new Random(EpochSeed(_o.Seed, epoch)), Component, cancel);

        private static byte[] RngState()
        {
            using var state = torch.random.get_rng_state();
            return state.data<byte>().ToArray();
        }

        private void Log(double epoch, double lr)
        {
            double mean = _state.LogLossSum / Math.Max(1, _state.LogLossCount);
            _state.Metrics.TrainLog.Add(new TrainLogEntry(_state.GlobalStep, epoch, mean, lr));
            _ch.Info($"step {_state.GlobalStep}/{_state.TotalSteps}  epoch {epoch:F2}  loss {mean:F4}  lr {lr:E2}");
            _state.LogLossSum = 0;
            _state.LogLossCount = 0;
        }

        private long Evaluate(long step, double epoch, CancellationToken cancel)
        {
            var entry = MaskedLmEvaluator.Evaluate(_model, _o.EvaluationData!, _o, _device, step, epoch, cancel);
            _state.Metrics.Evaluations.Add(entry);
            _ch.Info($"eval at step {step}: loss {entry.Loss:F4}  perplexity {entry.Perplexity:F2}  masked accuracy {entry.Accuracy:P1} ({entry.MaskedTokens} masked tokens)");
            var elapsed = TimeSpan.FromSeconds(_secondsBefore + _clock.Elapsed.TotalSeconds);
            _o.Progress?.Report(new TrainingProgress(step, _state.TotalSteps, epoch, entry.Loss, 0, 0, elapsed, true, entry.Perplexity, entry.Accuracy));
            return step;
        }

        private string SaveCheckpoint(byte[] rng, Stopwatch clock, double secondsBefore)
        {
            _state.RngState = Convert.ToBase64String(rng);
            _state.TrainSeconds = secondsBefore + clock.Elapsed.TotalSeconds;
            string path = TrainingCheckpoint.Save(_o.CheckpointDirectory!, _model, _tokenizer, _optimizer, _state, _o.SaveTotalLimit);
            _ch.Info($"Checkpoint written: {path}");
            return path;
        }

        private void Interrupt(byte[] rng, Stopwatch clock, double secondsBefore, CancellationToken cancel)
        {
            string where = _o.CheckpointDirectory is not null ? $" Checkpoint: {SaveCheckpoint(rng, clock, secondsBefore)}" : "";
            _ch.Warning($"Training cancelled at step {_state.GlobalStep}.{where}");
            throw new OperationCanceledException($"{Component}: training cancelled at step {_state.GlobalStep}.{where}", cancel);
        }

        private void StopOnBadLoss(float value)
        {
            string last = _o.CheckpointDirectory is not null && TrainingCheckpoint.List(_o.CheckpointDirectory) is { Count: > 0 } list
                ? $" The last good checkpoint, '{list[^1].Path}', is intact."
                : "";
            throw new InvalidOperationException(
                $"{Component}: the training loss became {value} at step {_state.GlobalStep + 1}; training stopped.{last} " +
                "Try a lower LearningRate, more warm-up, or check the data.");
        }
    }
}
