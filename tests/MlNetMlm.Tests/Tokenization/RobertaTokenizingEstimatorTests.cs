using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Tests.Tokenization;

[TestClass]
public sealed class RobertaTokenizingEstimatorTests
{
    public sealed class Doc
    {
        public string text { get; set; } = "";
        public float score { get; set; }
    }

    public sealed class Tokenized
    {
        [ColumnName("input_ids")] public int[] Ids { get; set; } = [];
        [ColumnName("attention_mask")] public int[] Mask { get; set; } = [];
    }

    private static readonly Doc[] s_docs =
    [
        new() { text = "Hello world", score = 1 },
        new() { text = "", score = 2 },
        new() { text = "The Milky Way is a <mask> galaxy.", score = 3 },
    ];

    // GPT-2's published ids for "Hello" and " world", shifted by 4 in the default, framed by <s> = 0 and </s> = 2.
    private static readonly int[] s_helloWorldDefault = [0, 15496 + 4, 995 + 4, 2];

    [TestMethod]
    public void AddsIdsAndMaskColumnsAndKeepsTheInput()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(s_docs);
        var transformer = ml.Transforms.Text.TokenizeRoberta(new TokenizeRobertaOptions { AttentionMaskColumnName = "attention_mask" }).Fit(data);
        var output = transformer.Transform(data);

        var ids = output.Schema["input_ids"];
        Assert.IsInstanceOfType<VectorDataViewType>(ids.Type);
        Assert.AreEqual(NumberDataViewType.Int32, ((VectorDataViewType)ids.Type).ItemType);
        Assert.IsFalse(((VectorDataViewType)ids.Type).IsKnownSize, "variable length");
        Assert.IsNotNull(output.Schema.GetColumnOrNull("score"));

        var rows = ml.Data.CreateEnumerable<Tokenized>(output, reuseRowObject: false).ToList();
        Assert.AreEqual(3, rows.Count);
        CollectionAssert.AreEqual(s_helloWorldDefault, rows[0].Ids);
        CollectionAssert.AreEqual(new[] { 0, 2 }, rows[1].Ids);
        Assert.AreEqual(1, rows[2].Ids.Count(id => id == 50261), "the <mask> token");
        foreach (var row in rows) CollectionAssert.AreEqual(Enumerable.Repeat(1, row.Ids.Length).ToArray(), row.Mask);
        CollectionAssert.AreEqual(new[] { 1f, 2f, 3f }, output.GetColumn<float>("score").ToArray());
    }

    [TestMethod]
    public void RobertaBaseIdsMatchTheReference()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(s_docs);
        var output = ml.Transforms.Text.TokenizeRoberta(tokenizer: ReferenceData.RobertaBaseFromVocabAndMerges).Fit(data).Transform(data);
        var ids = output.GetColumn<int[]>("input_ids").ToList();
        var reference = ReferenceData.ReadIds("edge-cases.ids.jsonl");
        CollectionAssert.AreEqual(reference[0], ids[0]);   // "Hello world"
        CollectionAssert.AreEqual(reference[5], ids[1]);   // ""
        CollectionAssert.AreEqual(reference[11], ids[2]);  // "The Milky Way is a <mask> galaxy."
    }

    [TestMethod]
    public void MaxLengthTruncatesRows()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(s_docs);
        var output = ml.Transforms.Text.TokenizeRoberta(new TokenizeRobertaOptions { MaxLength = 3 }).Fit(data).Transform(data);
        var ids = output.GetColumn<int[]>("input_ids").ToList();
        CollectionAssert.AreEqual(new[] { 0, 15496 + 4, 2 }, ids[0]);
        Assert.IsTrue(ids.All(row => row.Length <= 3 && row[^1] == 2));
    }

    [TestMethod]
    public void MissingColumnErrorNamesItAndListsTheColumns()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(s_docs);
        var estimator = ml.Transforms.Text.TokenizeRoberta(inputColumnName: "body");
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        StringAssert.Contains(e.Message, "'body' not found");
        StringAssert.Contains(e.Message, "'text' (String)");
        StringAssert.Contains(e.Message, "'score' (");

        var titleOnly = ml.Data.LoadFromEnumerable(new[] { new { title = "a" } }).Schema;
        var shape = MlNetMlm.MLNetInternals.SchemaShapes.FromSchema(titleOnly);
        var e2 = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(shape));
        StringAssert.Contains(e2.Message, "'body' not found");
        StringAssert.Contains(e2.Message, "'title'");

        var notText = ml.Transforms.Text.TokenizeRoberta(inputColumnName: "score");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => notText.Fit(data)).Message, "must hold text");
    }

    [TestMethod]
    public void OutputSchemaShapeAddsAVariableIntVector()
    {
        var ml = new MLContext(seed: 1);
        var shape = MlNetMlm.MLNetInternals.SchemaShapes.FromSchema(ml.Data.LoadFromEnumerable(new[] { new { text = "a" } }).Schema);
        var output = ml.Transforms.Text.TokenizeRoberta().GetOutputSchema(shape);
        var ids = output.Single(c => c.Name == "input_ids");
        Assert.AreEqual(SchemaShape.Column.VectorKind.VariableVector, ids.Kind);
        Assert.AreEqual(NumberDataViewType.Int32, ids.ItemType);
        Assert.IsTrue(output.Any(c => c.Name == "text"));
    }

    [TestMethod]
    public void PredictionEngineTokenizesEachExample()
    {
        var ml = new MLContext(seed: 1);
        var transformer = ml.Transforms.Text.TokenizeRoberta(new TokenizeRobertaOptions { AttentionMaskColumnName = "attention_mask" })
            .Fit(ml.Data.LoadFromEnumerable(s_docs));
        var engine = ml.Model.CreatePredictionEngine<Doc, Tokenized>(transformer);
        CollectionAssert.AreEqual(s_helloWorldDefault, engine.Predict(new Doc { text = "Hello world" }).Ids);
        var second = engine.Predict(new Doc { text = "" });
        CollectionAssert.AreEqual(new[] { 0, 2 }, second.Ids, "a new example must not reuse the previous row's ids");
        CollectionAssert.AreEqual(new[] { 1, 1 }, second.Mask);
        CollectionAssert.AreEqual(s_helloWorldDefault, engine.Predict(new Doc { text = "Hello world" }).Ids);
    }

    [TestMethod]
    public void ParallelCursorsTokenizeEveryRowOnce()
    {
        var ml = new MLContext(seed: 1);
        var docs = Enumerable.Range(0, 200).Select(i => new Doc { text = $"row {i} says hello", score = i }).ToArray();
        var data = ml.Data.LoadFromEnumerable(docs);
        var output = ml.Transforms.Text.TokenizeRoberta().Fit(data).Transform(data);
        var tokenizer = RobertaTokenizer.Default;
        var columns = new[] { output.Schema["input_ids"], output.Schema["score"] };
        var cursors = output.GetRowCursorSet(columns, 2);
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<int, int[]>();
        Parallel.ForEach(cursors, cursor =>
        {
            using (cursor)
            {
                var idsGetter = cursor.GetGetter<VBuffer<int>>(output.Schema["input_ids"]);
                var scoreGetter = cursor.GetGetter<float>(output.Schema["score"]);
                VBuffer<int> ids = default;
                float score = 0;
                while (cursor.MoveNext())
                {
                    scoreGetter(ref score);
                    idsGetter(ref ids);
                    Assert.IsTrue(seen.TryAdd((int)score, ids.DenseValues().ToArray()));
                }
            }
        });
        Assert.AreEqual(200, seen.Count);
        foreach (var (i, ids) in seen)
            CollectionAssert.AreEqual(tokenizer.EncodeToIds(docs[i].text), ids, $"row {i}");
    }

    [TestMethod]
    public void SavesAndLoadsWithItsTokenizer()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(s_docs);
        var tokenizer = RobertaTokenizer.Default;
        var transformer = ml.Transforms.Text.TokenizeRoberta(new TokenizeRobertaOptions
        {
            AttentionMaskColumnName = "attention_mask",
            MaxLength = 6,
            Tokenizer = tokenizer,
        }).Fit(data);
        using var stream = new MemoryStream();
        ml.Model.Save(transformer, data.Schema, stream);
        stream.Position = 0;
        var loaded = new MLContext(seed: 2).Model.Load(stream, out _);
        var expected = transformer.Transform(data).GetColumn<int[]>("input_ids").ToList();
        var actual = loaded.Transform(data).GetColumn<int[]>("input_ids").ToList();
        Assert.AreEqual(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            CollectionAssert.AreEqual(expected[i], actual[i], $"row {i}");
            Assert.IsTrue(actual[i].Length <= 6);
        }
        CollectionAssert.AreEqual(expected.Select(e => e.Length).ToList(),
            loaded.Transform(data).GetColumn<int[]>("attention_mask").Select(m => m.Count(x => x == 1)).ToList());
    }
}
