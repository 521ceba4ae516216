using Microsoft.ML;
using MlNetMlm.Tokenization;
using MlNetMlm.Training;

namespace MlNetMlm.Tests.Training;

/// <summary>Fine-tuning a Hugging Face checkpoint folder (the reference tiny-a, with roberta-base's tokenizer files).</summary>
[TestClass]
public sealed class FineTuningTests
{
    [TestMethod]
    public void FineTunesACheckpointFolderAndExportsOneThatLoadsBack()
    {
        string dir = RepoPaths.RequireShared("hf-reference", "tiny-a");
        var ml = new MLContext(seed: 1);
        var tokenizer = RobertaTokenizer.FromDirectory(dir);
        Assert.AreEqual(50264, tokenizer.MaskId, "roberta-base ids");
        var text = TinyTraining.Sentences(ml, 200, seed: 8);
        var prep = ml.Transforms.Text.TokenizeRoberta("input_ids", "text", tokenizer)
            .Append(ml.Transforms.GroupTexts(blockSize: 64))
            .Append(ml.Transforms.MaskTokens(tokenizer));
        var train = prep.Fit(text).Transform(text);
        var evalText = TinyTraining.Sentences(ml, 60, seed: 9);
        var eval = prep.Fit(evalText).Transform(evalText);

        using var model = ml.MaskedLanguageModeling().Trainer(new MaskedLmTrainerOptions
        {
            ModelDirectory = dir,
            Epochs = 3,
            BatchSize = 4,
            LearningRate = 3e-3,
            Device = "cpu",
            EvaluationData = eval,
        }).Fit(train);

        var m = model.Metrics!;
        Console.WriteLine($"fine-tuning tiny-a: eval loss {m.Initial!.Loss:F3} → {m.Final!.Loss:F3}");
        Assert.AreEqual(10.8, m.Initial.Loss, 0.3, "a random tiny model starts near ln(50265) ≈ 10.8");
        Assert.IsTrue(m.Final.Loss < m.Initial.Loss - 1.0);

        string export = Path.Combine(Path.GetTempPath(), $"mlnetmlm-ft-{Guid.NewGuid():N}");
        try
        {
            model.ExportHuggingFace(export);
            foreach (var file in new[] { "config.json", "model.safetensors", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json", "README.md" })
                Assert.IsTrue(File.Exists(Path.Combine(export, file)), file);
            using var reloaded = ml.MaskedLanguageModeling().FillMask(export).Fit(ml.Data.LoadFromEnumerable(new[] { new MlNetMlm.FillMask.FillMaskInput { Text = "a <mask>" } }));
            const string probe = "The sun <mask> over the cold sea.";
            CollectionAssert.AreEqual(model.FillMask(probe)[0].Select(c => c.Token).ToList(), reloaded.FillMask(probe)[0].Select(c => c.Token).ToList());
            Assert.ThrowsExactly<IOException>(() => model.ExportHuggingFace(export), "an existing folder is not overwritten without the flag");
        }
        finally
        {
            if (Directory.Exists(export)) Directory.Delete(export, recursive: true);
        }
    }
}
