using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.Flatten;
using MlNetMlm.Loading;

namespace MlNetMlm.Tests.Samples;

[TestClass]
public sealed class Eli5SampleTests
{
    [TestMethod]
    public void HasTheEli5LayoutAndAtLeast200Answers()
    {
        var ml = new MLContext(seed: 1);
        var data = MlNetMlmSamples.Eli5(ml);
        CollectionAssert.AreEqual(new[] { "q_id", "title", "selftext", "document", "subreddit", "answers", "title_urls", "selftext_urls", "answers_urls" },
            data.Schema.Select(c => c.Name).ToArray());

        var flat = ml.Transforms.FlattenJson().Fit(data).Transform(data);
        var text = flat.GetColumn<string[]>("answers.text").ToArray();
        var ids = flat.GetColumn<string[]>("answers.a_id").ToArray();
        var scores = flat.GetColumn<float[]>("answers.score").ToArray();
        Assert.AreEqual(70, text.Length);
        Assert.IsTrue(text.Sum(t => t.Length) >= 200, $"{text.Sum(t => t.Length)} answers");
        for (int i = 0; i < text.Length; i++)
        {
            Assert.AreEqual(text[i].Length, ids[i].Length, $"row {i}: one id per answer");
            Assert.AreEqual(text[i].Length, scores[i].Length, $"row {i}: one score per answer");
            Assert.IsTrue(text[i].All(a => a.Length > 40), $"row {i}: answers are real sentences");
        }
        Assert.AreEqual(70, flat.GetColumn<string>("q_id").Distinct().Count(), "question ids are unique");
        Assert.IsTrue(flat.GetColumn<string[]>("answers_urls.url").All(u => u.Length == 0));
    }

    [TestMethod]
    public void CoversTheDemoSentence()
    {
        // The demo fills in "The Milky Way is a <mask> galaxy."; the sample should speak about it.
        var ml = new MLContext(seed: 1);
        var answers = ml.Data.LoadFromJsonLines(WriteTemp(), new JsonLinesOptions { Flatten = true })
            .GetColumn<string[]>("answers.text").SelectMany(a => a).ToArray();
        Assert.IsTrue(answers.Count(a => a.Contains("Milky Way")) >= 5);
        Assert.IsTrue(answers.Any(a => a.Contains("The Milky Way is a barred spiral galaxy")));
    }

    [TestMethod]
    public void ChainsIntoFlattenAndJoinText()
    {
        var ml = new MLContext(seed: 1);
        var data = MlNetMlmSamples.Eli5(ml);
        // One EstimatorChain: the ELI5 columns are known up front, so JoinText passes the chain's schema check.
        var chained = ml.Transforms.FlattenJson(FlattenJsonOptions.Eli5()).Append(ml.Transforms.Text.JoinText("answers.text")).Fit(data).Transform(data);
        // Inferred columns: fit FlattenJson first, then append the next step to the fitted transformer.
        var flatten = ml.Transforms.FlattenJson().Fit(data);
        var join = ml.Transforms.Text.JoinText("answers.text").Fit(flatten.Transform(data));
        var stepwise = flatten.Append(join).Transform(data);
        // Flattened while loading.
        var loaded = ml.Transforms.Text.JoinText("answers.text").Fit(MlNetMlmSamples.Eli5(ml, new JsonLinesOptions { Flatten = true }));

        foreach (var joined in new[] { chained, stepwise, loaded.Transform(MlNetMlmSamples.Eli5(ml, new JsonLinesOptions { Flatten = true })) })
        {
            Assert.AreEqual(TextDataViewType.Instance, joined.Schema["answers.text"].Type);
            var first = joined.GetColumn<string>("answers.text").First();
            StringAssert.StartsWith(first, "The Milky Way is a barred spiral galaxy");
            Assert.IsTrue(first.Split(". ").Length >= 6, "three answers joined with spaces");
        }
        CollectionAssert.AreEqual(chained.GetColumn<string>("answers.text").ToArray(), stepwise.GetColumn<string>("answers.text").ToArray());
    }

    private sealed class Question
    {
        [ColumnName("answers")]
        public string Answers { get; set; } = "";

        [ColumnName("title_urls")]
        public string TitleUrls { get; set; } = "";

        [ColumnName("selftext_urls")]
        public string SelftextUrls { get; set; } = "";

        [ColumnName("answers_urls")]
        public string AnswersUrls { get; set; } = "";
    }

    private sealed class Joined
    {
        [ColumnName("answers.text")]
        public string Text { get; set; } = "";

        [ColumnName("answers.score")]
        public float[] Scores { get; set; } = [];
    }

    [TestMethod]
    public void FlattenAndJoinChainSavesLoadsAndPredicts()
    {
        var ml = new MLContext(seed: 1);
        var data = MlNetMlmSamples.Eli5(ml);
        var model = ml.Transforms.FlattenJson(FlattenJsonOptions.Eli5()).Append(ml.Transforms.Text.JoinText("answers.text")).Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"eli5-chain-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, data.Schema, path);
            var fresh = new MLContext(seed: 2);
            var engine = fresh.Model.CreatePredictionEngine<Question, Joined>(fresh.Model.Load(path, out _));
            var result = engine.Predict(new Question { Answers = """{"a_id": ["x-0", "x-1"], "text": ["Stars are suns.", "Very far away."], "score": [4, 1]}""" });
            Assert.AreEqual("Stars are suns. Very far away.", result.Text);
            CollectionAssert.AreEqual(new float[] { 4, 1 }, result.Scores);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void SplitsIntoTrainAndTest()
    {
        var ml = new MLContext(seed: 1);
        var split = ml.Data.TrainTestSplit(MlNetMlmSamples.Eli5(ml), testFraction: 0.2, seed: 42);
        var train = split.TrainSet.GetColumn<string>("q_id").ToArray();
        var test = split.TestSet.GetColumn<string>("q_id").ToArray();
        Assert.AreEqual(70, train.Length + test.Length);
        Assert.IsTrue(test.Length is >= 5 and <= 25, $"test rows: {test.Length}");
        Assert.AreEqual(0, train.Intersect(test).Count());
    }

    [TestMethod]
    public void StreamAndFileHoldTheSameText()
    {
        string path = WriteTemp();
        try
        {
            using var stream = MlNetMlmSamples.OpenEli5();
            using var reader = new StreamReader(stream);
            string text = reader.ReadToEnd();
            Assert.AreEqual(text, File.ReadAllText(path));
            Assert.AreEqual(70, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string WriteTemp()
    {
        string path = Path.Combine(Path.GetTempPath(), $"eli5-{Guid.NewGuid():N}.jsonl");
        MlNetMlmSamples.WriteEli5(path);
        return path;
    }
}
