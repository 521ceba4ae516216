using Microsoft.ML;
using Microsoft.ML.Runtime;
using MlNetMlm.Metrics;
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
    /// <summary>
    /// The trainer's messages in <c>mlContext.Log</c> have a <c>Source</c> that starts with this name, so a log
    /// listener can pick them out (the command line shows them with <c>--verbose</c>).
    /// </summary>
    public const string LogSource = "MaskedLmTrainer";

    private const string Component = LogSource;
    private readonly IHostEnvironment _env;
    private readonly MaskedLmTrainerOptions _options;

    internal MaskedLmTrainer(IHostEnvironment env, MaskedLmTrainerOptions options)
    {
        _env = env ?? throw new ArgumentNullException(nameof(env));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        Validate(options);
    }

    /// <summary>
    /// The checkpoint folder that <see cref="MaskedLmTrainerOptions.ResumeFromCheckpoint"/> = <paramref name="resumeFromCheckpoint"/>
    /// continues from (<c>latest</c>: the newest under <paramref name="checkpointDirectory"/>), and the optimizer steps it holds.
    /// </summary>
    public static (string Path, long Step) FindCheckpoint(string resumeFromCheckpoint, string? checkpointDirectory)
    {
        ArgumentNullException.ThrowIfNull(resumeFromCheckpoint);
        string path = TrainingCheckpoint.Resolve(resumeFromCheckpoint, checkpointDirectory);
        return (path, TrainingCheckpoint.ReadState(path).GlobalStep);
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
        Check(o.EvaluationBatchSize is null or > 0, $"EvaluationBatchSize must be positive (got {o.EvaluationBatchSize}).");
        Check(o.GradientAccumulationSteps > 0, $"GradientAccumulationSteps must be positive (got {o.GradientAccumulationSteps}).");
        // libtorch keeps the rate as a 32-bit float: a larger one would overflow in the optimizer.
        Check(o.LearningRate > 0 && o.LearningRate <= float.MaxValue, $"LearningRate must be a positive number no larger than {float.MaxValue:G3} (got {o.LearningRate}).");
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
        var options = _options.WithContextSeed(MLNetInternals.HostState.Seed(_env));
        using var run = new TrainingRun(options, host, ch);
        return run.Run(input);
    }

    /// <summary>One call of <see cref="Fit"/>: the model, the step, the position, and the loop.</summary>
    private sealed class TrainingRun : IDisposable
    {
        private readonly MaskedLmTrainerOptions _o;
        private readonly IHost _host;               // asked between steps whether mlContext.CancelExecution() was called
        private readonly IChannel _ch;
        private readonly Device _device;
        private readonly RobertaTokenizer _tokenizer;
        private readonly string _tokenizerSource;    // for messages: where _tokenizer came from
        private readonly RobertaForMaskedLM _model;
        private readonly MaskedLmTrainingStep _step;
        private readonly TrainerState _state;
        private readonly bool _resumed;
        private readonly TrainingRng _rng;
        private readonly TrainingClock _clock = new();
        private readonly TrainingEvaluations _evaluations;
        private readonly TrainingCheckpoints _checkpoints;

        public TrainingRun(MaskedLmTrainerOptions options, IHost host, IChannel ch)
        {
            _o = options;
            _host = host;
            _ch = ch;
            _device = TorchDevices.Resolve(options.Device);
            string? resumedFrom = options.ResumeFromCheckpoint is { } spec ? TrainingCheckpoint.Resolve(spec, options.CheckpointDirectory) : null;
            _resumed = resumedFrom is not null;
            try
            {
                (_tokenizer, _tokenizerSource, _model, _step, _state, _rng) = Start(options, ch, resumedFrom);
            }
            catch (Exception e) when (resumedFrom is not null && e is CheckpointException or InvalidDataException or FormatException)
            {
                throw new InvalidDataException(e.Message + TrainingCheckpoint.IntactHint(resumedFrom, options.CheckpointDirectory), e);
            }
            try
            {
                _evaluations = new TrainingEvaluations(options, ch, _model, _device, _state, _clock);
                _checkpoints = new TrainingCheckpoints(options, ch, _model, _tokenizer, _step.Optimizer, _state, _clock, _rng, _resumed);
            }
            catch
            {
                _step.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Frees what the run holds besides the model (optimizer buffers, the epoch's block file, the retained native
        /// memory), however training ends: done, stopped by an error or cancelled.
        /// </summary>
        public void Dispose()
        {
            _epochBlocks?.Dispose();
            _step.Dispose();
        }

        /// <summary>The tokenizer (and where it came from), the model, its optimizer step and the position: fresh, or read from the checkpoint resumed.</summary>
        private (RobertaTokenizer, string, RobertaForMaskedLM, MaskedLmTrainingStep, TrainerState, TrainingRng) Start(MaskedLmTrainerOptions options, IChannel ch, string? resumedFrom)
        {
            string? sourceDir = resumedFrom ?? options.ModelDirectory;
            bool fromFolder = options.Tokenizer is null && sourceDir is not null && RobertaTokenizer.HasTokenizerFiles(sourceDir);
            var tokenizer = options.Tokenizer ?? (fromFolder ? RobertaTokenizer.FromDirectory(sourceDir!) : RobertaTokenizer.Default);
            string tokenizerSource = options.Tokenizer is not null ? "the trainer's Tokenizer"
                : fromFolder ? $"the tokenizer files of '{sourceDir}'"
                : "RobertaTokenizer.Default (no Tokenizer was given)";
            RobertaForMaskedLM model;
            if (sourceDir is not null)
            {
                model = RobertaForMaskedLM.FromPretrained(sourceDir, message => ch.Info(message));
                ch.Info($"Loaded {model.Config} from '{sourceDir}'.");
            }
            else
            {
                var config = options.Config!.WithTokenizer(tokenizer); // vocabulary and special ids from the tokenizer
                model = RobertaForMaskedLM.FromScratch(config, options.Seed);
                ch.Info($"Initialised {config} from scratch (seed {options.Seed}).");
            }
            if (tokenizer.VocabularySize > model.Config.VocabSize)
                throw new InvalidOperationException($"{Component}: the tokenizer has {tokenizer.VocabularySize} ids but the model's vocab_size is {model.Config.VocabSize}.");
            model.to(_device);
            model.train();
            if (options.Precision == Precision.BFloat16 && BFloat16Support.Check(_device) is { Faster: false } bf16)
                ch.Warning($"Precision BFloat16 will not be faster here ({bf16.Reason}); training in bfloat16 anyway.");
            var step = new MaskedLmTrainingStep(model, options);
            try
            {
                TrainerState state;
                TrainingRng rng;
                if (resumedFrom is not null)
                {
                    state = TrainingCheckpoint.ReadState(resumedFrom);
                    TrainingCheckpoint.LoadOptimizer(resumedFrom, step.Optimizer.Optimizer);
                    rng = TrainingRng.Restored(TrainingCheckpoint.RngBytes(resumedFrom, state));
                    ch.Info($"Resuming from '{resumedFrom}' at step {state.GlobalStep} (epoch {state.Epoch + 1}, batch {state.BatchInEpoch}).");
                }
                else
                {
                    state = new TrainerState { Seed = options.Seed };
                    rng = TrainingRng.Seeded(options.Seed);
                }
                return (tokenizer, tokenizerSource, model, step, state, rng);
            }
            catch
            {
                step.Dispose();                      // a damaged checkpoint: free the optimizer's buffers now
                throw;
            }
        }

        private static int EpochSeed(int seed, int epoch) => unchecked(seed * 1_000_003 + epoch * 7_919 + 1);

        /// <summary>The ids annotated on the data's token-id column (by TokenizeRoberta, kept by GroupTexts and MaskTokens) must be the tokenizer's.</summary>
        private void CheckTokenIds(IDataView data, string role)
        {
            var ids = data.Schema.GetColumnOrNull(_o.InputIdsColumnName);
            if (ids is { } column && TokenIdAnnotations.Read(column) is { } annotated)
                annotated.RequireAgreement(Component, $"column '{column.Name}' of the {role} data",
                    "Set MaskedLmTrainerOptions.Tokenizer to the tokenizer that tokenized the data.",
                    _tokenizer.VocabularySize, _tokenizer.MaskId, true, _tokenizer.PadId, _tokenizer.SpecialIds, _tokenizerSource);
        }

        public MaskedLmTransformer Run(IDataView input)
        {
            CheckTokenIds(input, "training");
            if (_o.EvaluationData is not null) CheckTokenIds(_o.EvaluationData, "evaluation");
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

            _evaluations.BeforeTraining(_resumed, cancel);
            _clock.Start(_state.TrainSeconds);
            _rng.MarkBoundary();
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
                    if (Cancelled(cancel)) Interrupt(cancel);
                    int groupEnd = Math.Min(batches, (b / _o.GradientAccumulationSteps + 1) * _o.GradientAccumulationSteps);
                    int groupSize = groupEnd - b;
                    double stepLoss = 0;
                    double lr = _o.LearningRate * LearningRateSchedule.Factor(_o.Schedule, _state.GlobalStep, warmup, totalSteps);
                    for (; b < groupEnd; b++)
                    {
                        var blocks = order.Skip(b * _o.BatchSize).Take(_o.BatchSize).Select(i => epochBlocks[i]).ToList();
                        var (loss, tokens) = Accumulate(blocks, groupSize);
                        _state.TokensSeen += tokens;
                        if (loss is { } value) stepLoss += value / groupSize;
                    }
                    _step.Apply(lr);
                    lastLr = lr;
                    _state.GlobalStep++;
                    // What Hugging Face logs as learning_rate: the rate after this step's scheduler update, the next
                    // step's (with warm-up, the first step itself runs at 0).
                    double nextLr = _o.LearningRate * LearningRateSchedule.Factor(_o.Schedule, _state.GlobalStep, warmup, totalSteps);
                    _state.BatchInEpoch = b;
                    _state.LogLossSum += stepLoss;
                    _state.LogLossCount++;
                    _rng.MarkBoundary();
                    double epochPosition = epoch + (double)b / batches;
                    double seconds = _clock.Seconds;
                    _o.Progress?.Report(new TrainingProgress(_state.GlobalStep, totalSteps, epochPosition, stepLoss, lr,
                        _state.TokensSeen / Math.Max(1e-9, seconds), TimeSpan.FromSeconds(seconds)) { NextLearningRate = nextLr });

                    if (_o.LoggingSteps > 0 && _state.GlobalStep % _o.LoggingSteps == 0) Log(epochPosition, lr);
                    _evaluations.AfterStep(epochPosition, cancel);
                    _checkpoints.AfterStep();
                }
                if (_state.BatchInEpoch >= batches)
                {
                    _state.BatchInEpoch = 0;
                    _state.Epoch = epoch + 1;
                    _evaluations.AfterEpoch(epoch + 1, cancel);
                }
            }

            if (_state.LogLossCount > 0) Log(_state.Epoch, lastLr);
            _evaluations.AtEnd(cancel);
            var metrics = _state.Metrics;
            _state.TrainSeconds = _clock.Seconds;
            metrics.TotalSteps = _state.GlobalStep;
            metrics.TrainSeconds = _state.TrainSeconds;
            metrics.TokensPerSecond = _state.TokensSeen / Math.Max(1e-9, _state.TrainSeconds);
            _checkpoints.AtEnd();
            _ch.Info($"Training done: {_state.GlobalStep} steps in {_state.TrainSeconds:F1} s ({metrics.TokensPerSecond:F0} tokens/s).");

            _model.eval();
            return new MaskedLmTransformer(_model, _tokenizer, new FillMaskOptions { TextColumnName = _o.TextColumnName, TopK = _o.TopK, Precision = _o.Precision }, metrics, _device)
            {
                TrainingInputColumnName = _o.InputIdsColumnName,
            };
        }

        /// <summary>One batch of the step; a loss that is not finite stops training with the trainer's message.</summary>
        private (float? Loss, long Tokens) Accumulate(List<TrainingBlock> blocks, int batchesInStep)
        {
            try
            {
                return _step.Accumulate(blocks, batchesInStep);
            }
            catch (NonFiniteLossException e)
            {
                string? last = _checkpoints.Latest();
                throw new InvalidOperationException(
                    $"{Component}: the training loss became {e.Loss} at step {_state.GlobalStep + 1}; training stopped." +
                    (last is null ? "" : $" The last good checkpoint, '{last}', is intact.") +
                    " Try a lower LearningRate, more warm-up, or check the data.", e);
            }
        }

        private EpochBlocks? _epochBlocks; // one pass in a temporary file; the previous pass's is deleted

        private EpochBlocks ReadEpoch(IDataView input, int epoch, CancellationToken cancel)
        {
            _epochBlocks?.Dispose();
            return _epochBlocks = TrainingBlocks.Read(input, _o, new Random(EpochSeed(_o.Seed, epoch)), Component, cancel);
        }

        private void Log(double epoch, double lr)
        {
            double mean = _state.LogLossSum / Math.Max(1, _state.LogLossCount);
            _state.Metrics.TrainLog.Add(new TrainLogEntry(_state.GlobalStep, epoch, mean, lr));
            _ch.Info($"step {_state.GlobalStep}/{_state.TotalSteps}  epoch {epoch:F2}  loss {mean:F4}  lr {lr:E2}");
            _state.LogLossSum = 0;
            _state.LogLossCount = 0;
        }

        /// <summary>The options' token or the MLContext (<c>CancelExecution()</c>, as ML.NET's trainers check with <c>Host.CheckAlive()</c>).</summary>
        private bool Cancelled(CancellationToken cancel) => cancel.IsCancellationRequested || MLNetInternals.HostState.IsCanceled(_host);

        private void Interrupt(CancellationToken cancel)
        {
            string where = _checkpoints.Save() is { } path ? $" Checkpoint: {path}" : "";
            _ch.Warning($"Training cancelled at step {_state.GlobalStep}.{where}");
            throw new OperationCanceledException($"{Component}: training cancelled at step {_state.GlobalStep}.{where}", cancel);
        }
    }
}
