// README:usings
using Microsoft.ML;
using MlNetMlm;
using MlNetMlm.FillMask;
using MlNetMlm.Flatten;
using MlNetMlm.Modeling;
using MlNetMlm.Tokenization;
using MlNetMlm.Training;
// README:end

namespace MlNetMlm.Tests.Readme;

/// <summary>The C# example of README.md, word for word (ReadmeTests checks that the two agree and runs it).</summary>
internal static class ReadmeExample
{
    public static void Run()
    {
        // README:body
        var ml = new MLContext(seed: 1);
        var split = ml.Data.ExactTrainTestSplit(MlNetMlmSamples.Eli5(ml), testFraction: 0.1, seed: 1); // exactly 7 of the 70 questions held out
        var tokenizer = RobertaTokenizer.Default; // offline; or RobertaTokenizer.FromDirectory("distilroberta-base")
        var prepare = ml.Transforms.FlattenJson(FlattenJsonOptions.Eli5())
            .Append(ml.Transforms.Text.JoinText("text", "answers.text"))
            .Append(ml.Transforms.Text.TokenizeRoberta("input_ids", "text", tokenizer))
            .Append(ml.Transforms.GroupTexts(blockSize: 128))
            .Append(ml.Transforms.MaskTokens(tokenizer));
        var train = prepare.Fit(split.TrainSet).Transform(split.TrainSet);
        var test = prepare.Fit(split.TestSet).Transform(split.TestSet);

        using var model = ml.MaskedLanguageModeling().Trainer(new MaskedLmTrainerOptions
        {
            Config = new RobertaConfig { NumHiddenLayers = 2, HiddenSize = 128, NumAttentionHeads = 2, IntermediateSize = 256, MaxPositionEmbeddings = 130 },
            // ModelDirectory = "distilroberta-base",   // fine-tune a Hugging Face checkpoint folder instead
            Tokenizer = tokenizer, Epochs = 3, LearningRate = 2e-3, EvaluationData = test,
        }).Fit(train);
        Console.WriteLine($"perplexity {model.Metrics!.Initial!.Perplexity:F0} -> {model.Metrics.Final!.Perplexity:F0}");

        ml.Model.Save(model, null, "model.zip");
        var engine = ml.Model.CreatePredictionEngine<FillMaskInput, FillMaskPrediction>(model);
        foreach (var candidate in engine.Predict(new FillMaskInput { Text = "The Milky Way is a <mask> galaxy." }).Candidates())
            Console.WriteLine($"{candidate.Score,6:P1}  {candidate.Sequence}");
        // README:end
    }
}
