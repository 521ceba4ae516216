using Microsoft.ML;
using MlNetMlm.DataView;
using MlNetMlm.Modeling;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Training;

/// <summary>
/// Options of <see cref="MaskedLmTrainer"/>. Names and defaults follow Hugging Face's
/// <c>TrainingArguments</c> where one exists (the learning rate and weight decay follow HF's
/// masked-language-modeling guide: 2e-5 and 0.01).
/// </summary>
public sealed class MaskedLmTrainerOptions
{
    // ---- model and tokenizer ----

    /// <summary>
    /// A Hugging Face checkpoint folder to fine-tune (<c>config.json</c> plus <c>model.safetensors</c> or
    /// <c>pytorch_model.bin</c>, and tokenizer files). Null: train from scratch with <see cref="Config"/>.
    /// </summary>
    public string? ModelDirectory { get; set; }

    /// <summary>The architecture for training from scratch (ignored when <see cref="ModelDirectory"/> is set).</summary>
    public RobertaConfig? Config { get; set; }

    /// <summary>The tokenizer. Default: the checkpoint folder's tokenizer files, else <see cref="RobertaTokenizer.Default"/>.</summary>
    public RobertaTokenizer? Tokenizer { get; set; }

    // ---- columns ----

    /// <summary>Token ids of each training block (Int32 vector). Default <c>input_ids</c>.</summary>
    public string InputIdsColumnName { get; set; } = ColumnNames.InputIds;

    /// <summary>Labels (Int32 vector: the original id where a token was masked, -100 elsewhere). Default <c>labels</c>.</summary>
    public string LabelsColumnName { get; set; } = ColumnNames.Labels;

    /// <summary>Attention mask (Int32 vector, 1 = token, 0 = padding); used when the column exists. Default <c>attention_mask</c>.</summary>
    public string AttentionMaskColumnName { get; set; } = ColumnNames.AttentionMask;

    /// <summary>The text column the trained fill-mask transformer reads. Default <c>text</c> (<see cref="ColumnNames.Text"/>).</summary>
    public string TextColumnName { get; set; } = ColumnNames.Text;

    // ---- schedule ----

    /// <summary>Passes over the training data. Default 3.</summary>
    public int Epochs { get; set; } = 3;

    /// <summary>When positive, the total number of optimizer steps, overriding <see cref="Epochs"/>. Default -1.</summary>
    public long MaxSteps { get; set; } = -1;

    /// <summary>Blocks per forward/backward pass. Default 8.</summary>
    public int BatchSize { get; set; } = 8;

    /// <summary>Blocks per evaluation batch (Hugging Face's <c>per_device_eval_batch_size</c>). Default null: <see cref="BatchSize"/>.</summary>
    public int? EvaluationBatchSize { get; set; }

    /// <summary>Batches whose gradients are summed before one optimizer step. Default 1.</summary>
    public int GradientAccumulationSteps { get; set; } = 1;

    /// <summary>Peak learning rate of AdamW. Default 2e-5.</summary>
    public double LearningRate { get; set; } = 2e-5;

    /// <summary>Shape of the rate after warm-up. Default <see cref="LearningRateScheduleKind.Linear"/>.</summary>
    public LearningRateScheduleKind Schedule { get; set; } = LearningRateScheduleKind.Linear;

    /// <summary>Warm-up steps (linear ramp from 0). Default 0; when 0, <see cref="WarmupRatio"/> applies.</summary>
    public long WarmupSteps { get; set; }

    /// <summary>Warm-up as a fraction of all steps, used when <see cref="WarmupSteps"/> is 0. Default 0.</summary>
    public double WarmupRatio { get; set; }

    /// <summary>AdamW weight decay, applied to weights but not to biases and LayerNorm weights (as HF). Default 0.01.</summary>
    public double WeightDecay { get; set; } = 0.01;

    /// <summary>AdamW β1. Default 0.9.</summary>
    public double AdamBeta1 { get; set; } = 0.9;

    /// <summary>AdamW β2. Default 0.999.</summary>
    public double AdamBeta2 { get; set; } = 0.999;

    /// <summary>AdamW ε. Default 1e-8.</summary>
    public double AdamEpsilon { get; set; } = 1e-8;

    /// <summary>Gradients are clipped to this global L2 norm; 0 or less turns clipping off. Default 1.0.</summary>
    public double MaxGradNorm { get; set; } = 1.0;

    /// <summary>
    /// Seeds initialisation, dropout (torch's generator), data order and the evaluation masks. Default: the
    /// MLContext's seed (<c>new MLContext(seed: n)</c>), else 42 (Hugging Face's default).
    /// </summary>
    public int Seed { get => _seed ?? 42; set => _seed = value; }

    private int? _seed;

    /// <summary>These options with <see cref="Seed"/> set to <paramref name="contextSeed"/> when it was not set and the context has one.</summary>
    internal MaskedLmTrainerOptions WithContextSeed(int? contextSeed)
    {
        if (_seed is not null || contextSeed is null) return this;
        var copy = (MaskedLmTrainerOptions)MemberwiseClone();
        copy._seed = contextSeed;
        return copy;
    }

    /// <summary>Shuffle the training blocks each epoch (as HF's Trainer does). Default true.</summary>
    public bool Shuffle { get; set; } = true;

    /// <summary><c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>; null picks CUDA when available, else CPU.</summary>
    public string? Device { get; set; }

    /// <summary>
    /// Compute the vocabulary projection only at labelled (masked) positions: the same loss and
    /// gradients as HF's dense head, with far less work. Default true.
    /// </summary>
    public bool SparseHead { get; set; } = true;

    /// <summary>
    /// The compute format (HF's <c>bf16</c>): <see cref="Precision.BFloat16"/> runs the matrix products in bfloat16
    /// on float32 master weights and optimizer state; checkpoints and the trained model stay float32, and a run
    /// can resume in either precision. Evaluations and the trained fill-mask transformer use it too.
    /// Default <see cref="Precision.Float32"/>.
    /// </summary>
    public Precision Precision { get; set; } = Precision.Float32;

    // ---- evaluation and logging ----

    /// <summary>Held-out blocks (same columns as the training data) for evaluation loss, perplexity and accuracy. Default none.</summary>
    public IDataView? EvaluationData { get; set; }

    /// <summary>Evaluate every this many optimizer steps; 0 evaluates at the end of each epoch. Default 0.</summary>
    public long EvaluationSteps { get; set; }

    /// <summary>Evaluate before the first step too, so that the history shows the starting point. Default true.</summary>
    public bool EvaluateBeforeTraining { get; set; } = true;

    /// <summary>Log the running training loss every this many optimizer steps. Default 50.</summary>
    public long LoggingSteps { get; set; } = 50;

    /// <summary>Receives a report after every optimizer step and evaluation (for progress bars and notebooks).</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>Cancels training: a checkpoint is written first when <see cref="CheckpointDirectory"/> is set.</summary>
    public CancellationToken CancellationToken { get; set; }

    // ---- checkpoints ----

    /// <summary>Where checkpoints (<c>checkpoint-STEP</c> folders) go. Default none (no checkpoints).</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Write a checkpoint every this many optimizer steps (0: only at the end). Default 500.</summary>
    public long SaveSteps { get; set; } = 500;

    /// <summary>Keep at most this many checkpoints, deleting the oldest. Default 3.</summary>
    public int SaveTotalLimit { get; set; } = 3;

    /// <summary>A checkpoint folder to resume from, or <c>latest</c> for the newest in <see cref="CheckpointDirectory"/>.</summary>
    public string? ResumeFromCheckpoint { get; set; }

    // ---- the trained fill-mask transformer ----

    /// <summary>Candidates per mask that the trained transformer returns. Default 5.</summary>
    public int TopK { get; set; } = 5;
}
