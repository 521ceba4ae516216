using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.Tests.Join;

[TestClass]
public sealed class JoinTextTests
{
    private sealed class Row
    {
        [ColumnName("answers.text")]
        public string[] Answers { get; set; } = [];

        public string Title { get; set; } = "";
    }

    private sealed class Joined
    {
        [ColumnName("answers.text")]
        public string Answers { get; set; } = "";
    }

    private static readonly Row[] Rows =
    [
        new() { Answers = ["First answer.", "Second one."], Title = "a" },
        new() { Answers = [], Title = "b" },
        new() { Answers = ["only"], Title = "c" },
    ];

    [TestMethod]
    public void JoinsWithOneSpaceByDefault()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows);
        var joined = ml.Transforms.Text.JoinText("answers.text").Fit(data).Transform(data);
        var values = joined.GetColumn<string>("answers.text").ToArray();
        CollectionAssert.AreEqual(new[] { "First answer. Second one.", "", "only" }, values);
        // The original title passes through untouched.
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, joined.GetColumn<string>("Title").ToArray());
    }

    [TestMethod]
    public void CustomSeparatorAndNewColumn()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows);
        var joined = ml.Transforms.Text.JoinText("text", "answers.text", separator: "\n").Fit(data).Transform(data);
        Assert.AreEqual("First answer.\nSecond one.", joined.GetColumn<string>("text").First());
        Assert.IsInstanceOfType<VectorDataViewType>(joined.Schema["answers.text"].Type);
    }

    [TestMethod]
    public void MissingColumnIsNamedWithTheColumnsPresent()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.Text.JoinText("text", "answers.txt").Fit(data));
        StringAssert.Contains(e.Message, "'answers.txt' not found");
        StringAssert.Contains(e.Message, "'answers.text'");
        StringAssert.Contains(e.Message, "'Title'");
    }

    [TestMethod]
    public void WrongColumnTypeIsRefused()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new { Score = new float[] { 1, 2 } } });
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.Text.JoinText("text", "Score").Fit(data));
        StringAssert.Contains(e.Message, "must hold a vector of text");
    }

    [TestMethod]
    public void WorksInPredictionEngineAndSurvivesSaveLoad()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows);
        var model = ml.Transforms.Text.JoinText("answers.text", separator: " | ").Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"join-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, data.Schema, path);
            var fresh = new MLContext(seed: 2);
            var loaded = fresh.Model.Load(path, out var schema);
            Assert.AreEqual(data.Schema.Count, schema.Count);
            var engine = fresh.Model.CreatePredictionEngine<Row, Joined>(loaded);
            Assert.AreEqual("x | y", engine.Predict(new Row { Answers = ["x", "y"] }).Answers);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void EstimatorReportsOutputShape()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows);
        var shape = ml.Transforms.Text.JoinText("text", "answers.text").GetOutputSchema(MlNetMlm.MLNetInternals.SchemaShapes.FromSchema(data.Schema));
        var column = shape.Single(c => c.Name == "text");
        Assert.AreEqual(SchemaShape.Column.VectorKind.Scalar, column.Kind);
        Assert.AreEqual(TextDataViewType.Instance, column.ItemType);
    }
}
