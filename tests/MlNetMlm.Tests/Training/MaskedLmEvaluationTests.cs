using Microsoft.ML;
using MlNetMlm.Tokenization;
using MlNetMlm.Training;

namespace MlNetMlm.Tests.Training;

[TestClass]
public sealed class MaskedLmEvaluationTests
{
    [TestMethod]
    public void SameSeedGivesTheTrainersOwnFinalEvaluation()
    {
        var ml = new MLContext(seed: 1);
        var tokenizer = RobertaTokenizer.Default;
        var train = TinyTraining.Prepared(ml, TinyTraining.Sentences(ml, 120, seed: 1), tokenizer);
        var eval = TinyTraining.Prepared(ml, TinyTraining.Sentences(ml, 40, seed: 2), tokenizer);
        var options = TinyTraining.Options(tokenizer, eval);
        options.Epochs = 1;
        using var model = ml.MaskedLanguageModeling().Trainer(options).Fit(train);

        var final = model.Metrics!.Final!;
        var again = MaskedLmEvaluation.Evaluate(model, eval, options.BatchSize, options.Seed);
        Assert.AreEqual(final.MaskedTokens, again.MaskedTokens, "the seed picks the same masked positions");
        Assert.AreEqual(final.Loss, again.Loss, 1e-9);
        Assert.AreEqual(final.Accuracy, again.Accuracy);

        var otherMasks = MaskedLmEvaluation.Evaluate(model, eval, options.BatchSize, options.Seed + 1);
        Assert.AreNotEqual(final.Loss, otherMasks.Loss);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => MaskedLmEvaluation.Evaluate(model, eval, batchSize: 0));

        // Blocks with nothing masked: a typed exception, so callers need not read the message.
        var text = TinyTraining.Sentences(ml, 40, seed: 2);
        var unmasked = ml.Transforms.Text.TokenizeRoberta(tokenizer: tokenizer)
            .Append(ml.Transforms.GroupTexts(blockSize: 32))
            .Append(ml.Transforms.MaskTokens(mlmProbability: 0))
            .Fit(text).Transform(text);
        var e = Assert.ThrowsExactly<NoMaskedTokensException>(() => MaskedLmEvaluation.Evaluate(model, unmasked, options.BatchSize));
        StringAssert.Contains(e.Message, "no masked (labelled) token");
    }
}
