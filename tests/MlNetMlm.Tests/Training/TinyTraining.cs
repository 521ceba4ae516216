using Microsoft.ML;
using MlNetMlm.Masking;
using MlNetMlm.Modeling;
using MlNetMlm.Tokenization;
using MlNetMlm.Training;

namespace MlNetMlm.Tests.Training;

/// <summary>Small, fast training set-ups shared by the trainer tests: real components, a tiny model.</summary>
internal static class TinyTraining
{
    public sealed class TextRow
    {
        public string text { get; set; } = "";
    }

    private static readonly string[] Subjects = ["The sun", "A comet", "The moon", "Our galaxy", "A red star", "The planet", "A black hole", "The nebula"];
    private static readonly string[] Verbs = ["shines over", "orbits", "pulls on", "lights up", "drifts past", "warms", "hides behind", "circles"];
    private static readonly string[] Objects = ["the cold sea.", "the dusty rings.", "a quiet world.", "the bright clouds.", "the outer moons.", "the spiral arm."];

    /// <summary>Deterministic, learnable sentences (a small grammar), as text rows.</summary>
    public static IDataView Sentences(MLContext ml, int count, int seed)
    {
        var r = new Random(seed);
        var rows = Enumerable.Range(0, count).Select(_ => new TextRow
        {
            text = $"{Subjects[r.Next(Subjects.Length)]} {Verbs[r.Next(Verbs.Length)]} {Objects[r.Next(Objects.Length)]}",
        }).ToList();
        return ml.Data.LoadFromEnumerable(rows);
    }

    public static RobertaConfig TinyConfig() => new()
    {
        NumHiddenLayers = 2,
        HiddenSize = 32,
        NumAttentionHeads = 2,
        IntermediateSize = 64,
        MaxPositionEmbeddings = 40,
    };

    public static MaskTokensOptions MaskOptions(RobertaTokenizer tokenizer, int seed = 7)
    {
        var options = MaskTokensOptions.ForTokenizer(tokenizer);
        options.Seed = seed;
        return options;
    }

    /// <summary>text → ids → 32-token blocks → masks, the training-only preparation before the trainer.</summary>
    public static IEstimator<ITransformer> Preparation(MLContext ml, RobertaTokenizer tokenizer, int blockSize = 32) =>
        ml.Transforms.Text.TokenizeRoberta("input_ids", "text", tokenizer)
            .Append(ml.Transforms.GroupTexts(blockSize: blockSize))
            .Append(ml.Transforms.MaskTokens(MaskOptions(tokenizer)));

    public static IDataView Prepared(MLContext ml, IDataView text, RobertaTokenizer tokenizer, int blockSize = 32) =>
        Preparation(ml, tokenizer, blockSize).Fit(text).Transform(text);

    public static MaskedLmTrainerOptions Options(RobertaTokenizer tokenizer, IDataView? eval = null) => new()
    {
        Config = TinyConfig(),
        Tokenizer = tokenizer,
        Epochs = 2,
        BatchSize = 4,
        LearningRate = 3e-3,
        WarmupSteps = 2,
        Seed = 11,
        Device = "cpu",
        EvaluationData = eval,
        LoggingSteps = 5,
    };
}
