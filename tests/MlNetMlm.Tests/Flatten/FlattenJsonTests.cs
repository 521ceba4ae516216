using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.Flatten;
using MlNetMlm.Json;

namespace MlNetMlm.Tests.Flatten;

[TestClass]
public sealed class FlattenJsonTests
{
    private sealed class Row
    {
        public string Title { get; set; } = "";

        [ColumnName("answers")]
        public string Answers { get; set; } = "";
    }

    private sealed class Flat
    {
        [ColumnName("answers.text")]
        public string[] Text { get; set; } = [];

        [ColumnName("answers.score")]
        public float[] Score { get; set; } = [];

        [ColumnName("answers.meta.by")]
        public string By { get; set; } = "";
    }

    private static readonly Row[] Rows =
    [
        new() { Title = "one", Answers = """{"a_id": ["x1", "x2"], "text": ["First.", "Second."], "score": [5, 2], "meta": {"by": "ann"}}""" },
        new() { Title = "two", Answers = """{"a_id": [], "text": [], "score": []}""" },
        new() { Title = "three", Answers = "" },
    ];

    [TestMethod]
    public void FlattensNestedFieldsIntoDottedColumns()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows);
        var model = ml.Transforms.FlattenJson().Fit(data);
        var flat = model.Transform(data);

        CollectionAssert.AreEqual(new[] { "Title", "answers", "answers.a_id", "answers.text", "answers.score", "answers.meta.by" },
            flat.Schema.Select(c => c.Name).ToArray());
        Assert.AreEqual(new VectorDataViewType(TextDataViewType.Instance), flat.Schema["answers.text"].Type);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single), flat.Schema["answers.score"].Type);
        Assert.AreEqual(TextDataViewType.Instance, flat.Schema["answers.meta.by"].Type);

        var text = flat.GetColumn<string[]>("answers.text").ToArray();
        CollectionAssert.AreEqual(new[] { "First.", "Second." }, text[0]);
        Assert.AreEqual(0, text[1].Length);
        Assert.AreEqual(0, text[2].Length, "an empty input text gives empty vectors");
        CollectionAssert.AreEqual(new float[] { 5, 2 }, flat.GetColumn<float[]>("answers.score").First());
        CollectionAssert.AreEqual(new[] { "ann", "", "" }, flat.GetColumn<string>("answers.meta.by").ToArray());
        // The title was not a JSON column, so it was not flattened.
        Assert.IsFalse(model.Groups.Any(g => g.InputColumnName == "Title"));
    }

    [TestMethod]
    public void LaterValueThatDoesNotFitNamesRowAndColumn()
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 5).Select(i => new Row { Answers = $$"""{"score": [{{i}}]}""" })
            .Append(new Row { Answers = """{"score": ["high"]}""" }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.FlattenJson(new FlattenJsonOptions { InputColumnNames = ["answers"], InferenceRows = 5 }).Fit(data);
        var e = Assert.ThrowsExactly<FormatException>(() => model.Transform(data).GetColumn<float[]>("answers.score").ToArray());
        StringAssert.StartsWith(e.Message, "FlattenJson: column 'answers' at row position 5, character 12: field 'answers.score' should be an item of an array of numbers, but is a string");
    }

    [TestMethod]
    public void BrokenJsonInANamedColumnFailsAtFit()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Row { Answers = """{"text": ["a"]}""" }, new Row { Answers = """{"text": ["a"}""" } });
        var e = Assert.ThrowsExactly<FormatException>(() => ml.Transforms.FlattenJson("answers").Fit(data));
        StringAssert.StartsWith(e.Message, "FlattenJson: column 'answers' at row position 1, character 14: invalid JSON");
    }

    [TestMethod]
    public void MissingColumnIsNamedWithTheColumnsPresent()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.FlattenJson("answer").Fit(data));
        StringAssert.Contains(e.Message, "'answer' not found");
        StringAssert.Contains(e.Message, "'answers'");
        StringAssert.Contains(e.Message, "'Title'");
    }

    [TestMethod]
    public void NoJsonColumnIsAClearError()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new { Title = "plain" } });
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ml.Transforms.FlattenJson().Fit(data));
        StringAssert.Contains(e.Message, "no text column holds JSON objects");
    }

    [TestMethod]
    public void ExplicitColumnsNeedNoData()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows);
        var estimator = ml.Transforms.FlattenJson(new FlattenJsonOptions
        {
            Columns = [new JsonColumn("answers.score", JsonColumnKind.NumberVector), new JsonColumn("answers.meta", JsonColumnKind.Json)],
            UseDouble = true,
        });
        var shape = estimator.GetOutputSchema(MlNetMlm.MLNetInternals.SchemaShapes.FromSchema(data.Schema));
        Assert.AreEqual(NumberDataViewType.Double, shape.Single(c => c.Name == "answers.score").ItemType);
        var flat = estimator.Fit(data).Transform(data);
        CollectionAssert.AreEqual(new double[] { 5, 2 }, flat.GetColumn<double[]>("answers.score").First());
        Assert.AreEqual("{\"by\": \"ann\"}", flat.GetColumn<string>("answers.meta").First());
        Assert.IsNull(flat.Schema.GetColumnOrNull("answers.text"), "only the given columns are made");
    }

    [TestMethod]
    public void SavesLoadsAndPredicts()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows);
        var model = ml.Transforms.FlattenJson().Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"flatten-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, data.Schema, path);
            var fresh = new MLContext(seed: 2);
            var loaded = fresh.Model.Load(path, out var schema);
            Assert.AreEqual(data.Schema.Count, schema.Count);
            var engine = fresh.Model.CreatePredictionEngine<Row, Flat>(loaded);
            var first = engine.Predict(new Row { Answers = """{"text": ["p", "q"], "score": [1.5], "meta": {"by": "bo"}}""" });
            CollectionAssert.AreEqual(new[] { "p", "q" }, first.Text);
            CollectionAssert.AreEqual(new[] { 1.5f }, first.Score);
            Assert.AreEqual("bo", first.By);
            // The engine reuses its rows: a second, different input must not see the first one's values.
            var second = engine.Predict(new Row { Answers = """{"text": ["r"]}""" });
            CollectionAssert.AreEqual(new[] { "r" }, second.Text);
            Assert.AreEqual(0, second.Score.Length);
            Assert.AreEqual("", second.By);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void FlattensTheSotuCorpus()
    {
        string path = RepoPaths.RequireShared("corpora", "sotu-eli5-shaped.jsonl");
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromJsonLines(path);
        var model = ml.Transforms.FlattenJson().Fit(data);
        // What was inferred is exactly the ELI5 preset.
        CollectionAssert.AreEquivalent(FlattenJsonOptions.Eli5().Columns!.ToArray(), model.Groups.SelectMany(g => g.Columns).ToArray());
        var flat = model.Transform(data);
        foreach (var name in new[] { "answers.a_id", "answers.text", "title_urls.url", "selftext_urls.url", "answers_urls.url" })
            Assert.AreEqual(new VectorDataViewType(TextDataViewType.Instance), flat.Schema[name].Type, name);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single), flat.Schema["answers.score"].Type);

        int rows = 0;
        long chars = 0;
        using (var cursor = flat.GetRowCursor([flat.Schema["answers.text"], flat.Schema["answers.a_id"], flat.Schema["q_id"]]))
        {
            var text = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(flat.Schema["answers.text"]);
            var ids = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(flat.Schema["answers.a_id"]);
            var qid = cursor.GetGetter<ReadOnlyMemory<char>>(flat.Schema["q_id"]);
            VBuffer<ReadOnlyMemory<char>> t = default, a = default;
            ReadOnlyMemory<char> q = default;
            while (cursor.MoveNext())
            {
                text(ref t);
                ids(ref a);
                qid(ref q);
                // Each address is one answer here, its id the q_id with "-0".
                Assert.AreEqual(1, t.Length);
                Assert.AreEqual(1, a.Length);
                Assert.AreEqual(q + "-0", a.GetValues()[0].ToString());
                chars += t.GetValues()[0].Length;
                rows++;
            }
        }
        Assert.AreEqual(233, rows);
        Assert.IsTrue(chars > 10_000_000, $"answer text: {chars} chars");
    }
}
