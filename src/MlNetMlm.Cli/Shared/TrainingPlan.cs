using Microsoft.ML;
using MlNetMlm.Tokenization;
using MlNetMlm.Training;

namespace MlNetMlm.Cli.Shared;

/// <summary>Everything one training run needs: text, how to prepare it, the trainer's options and where to write.</summary>
internal sealed class TrainingPlan
{
    public required IDataView TrainText { get; init; }

    public IDataView? EvalText { get; init; }

    /// <summary>Steps that produce the scalar <see cref="TextData.Column"/> (flatten, join, copy); null when it exists already.</summary>
    public IEstimator<ITransformer>? ToText { get; init; }

    public required RobertaTokenizer Tokenizer { get; init; }

    public int BlockSize { get; init; } = 128;

    /// <summary>Train on the first this many prepared samples (blocks, or lines with <see cref="LineByLine"/>), as run_mlm.py's --max_train_samples.</summary>
    public int? MaxTrainSamples { get; init; }

    /// <summary>Evaluate on the first this many prepared samples.</summary>
    public int? MaxEvalSamples { get; init; }

    public bool LineByLine { get; init; }

    /// <summary>The data is prepared blocks (<c>input_ids</c>): no tokenizing or grouping, only masking.</summary>
    public bool PreparedBlocks { get; init; }

    public double MlmProbability { get; init; } = 0.15;

    public required MaskedLmTrainerOptions Options { get; init; }

    public required string OutputDirectory { get; init; }

    /// <summary>What the data was (model card's "trained on" and the plot's title).</summary>
    public required string DataDescription { get; init; }

    /// <summary>Write checkpoints (and one on Ctrl-C) into <c>checkpoints/</c>. The demo does not: its run is short, and a checkpoint with optimizer state is three times the model.</summary>
    public bool Checkpoints { get; init; } = true;

    /// <summary>How to run this again with <c>--resume latest</c> (shown after Ctrl-C).</summary>
    public string ResumeHint { get; init; } = "--resume latest";
}
