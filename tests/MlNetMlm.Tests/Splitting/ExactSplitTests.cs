using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.Tests.Splitting;

/// <summary>
/// <c>mlContext.Data.ExactTrainTestSplit</c>: Hugging Face <c>train_test_split</c> semantics (an exact test-row count,
/// the same rows for the same seed), where ML.NET's hash-bucket <c>TrainTestSplit</c> holds out 2 of 70 rows at 10 %.
/// </summary>
[TestClass]
public sealed class ExactSplitTests
{
    private sealed class Row
    {
        public int Id { get; set; }
    }

    private static int[] Ids(IDataView view) => view.GetColumn<int>(nameof(Row.Id)).ToArray();

    private static IDataView Rows(MLContext ml, int n) => ml.Data.LoadFromEnumerable(Enumerable.Range(0, n).Select(i => new Row { Id = i }));

    [TestMethod]
    // rows, fraction, test rows worked out by hand: round(rows × fraction), halves up
    [DataRow(70, 0.1, 7)]
    [DataRow(75, 0.1, 8)]     // 7.5
    [DataRow(10, 0.25, 3)]    // 2.5
    [DataRow(3, 0.5, 2)]      // 1.5
    [DataRow(7, 0.3, 2)]      // 2.1
    [DataRow(1001, 0.2, 200)] // 200.2
    [DataRow(2, 0.5, 1)]
    public void HoldsOutExactlyTheRoundedShareAndCoversEveryRowOnce(int rows, double fraction, int expectedTest)
    {
        var ml = new MLContext(seed: 0);
        var split = ml.Data.ExactTrainTestSplit(Rows(ml, rows), fraction, seed: 5);
        int[] test = Ids(split.TestSet), train = Ids(split.TrainSet);
        Assert.AreEqual(expectedTest, test.Length);
        Assert.AreEqual(rows - expectedTest, train.Length);
        Assert.AreEqual(expectedTest, split.TestSet.GetRowCount());
        Assert.AreEqual(0, test.Intersect(train).Count(), "a row in both sets");
        CollectionAssert.AreEquivalent(Enumerable.Range(0, rows).ToArray(), test.Concat(train).ToArray(), "every row exactly once");
        CollectionAssert.AreEqual(test.Order().ToArray(), test, "the test set keeps the source order");
    }

    [TestMethod]
    public void SameSeedSameRowsOtherSeedOtherRows()
    {
        var ml = new MLContext(seed: 0);
        var data = Rows(ml, 200);
        int[] a = Ids(ml.Data.ExactTrainTestSplit(data, 0.1, seed: 1).TestSet);
        int[] b = Ids(new MLContext(seed: 9).Data.ExactTrainTestSplit(data, 0.1, seed: 1).TestSet);
        int[] c = Ids(ml.Data.ExactTrainTestSplit(data, 0.1, seed: 2).TestSet);
        CollectionAssert.AreEqual(a, b, "same seed, same rows (whatever the MLContext)");
        CollectionAssert.AreNotEqual(a, c, "another seed draws other rows");
        // Reading a split twice gives the same rows: the selection is fixed when splitting, not per cursor.
        var split = ml.Data.ExactTrainTestSplit(data, 0.1, seed: 3);
        CollectionAssert.AreEqual(Ids(split.TestSet), Ids(split.TestSet));
        // Not a prefix or a stride: rows from across the data.
        Assert.IsTrue(a.Max() - a.Min() > 100, string.Join(",", a));
    }

    [TestMethod]
    public void SplitsTheStreamedSampleByQuestion()
    {
        // The ELI5 sample: 70 rows, one question each, read from JSON Lines without a known row count.
        var ml = new MLContext(seed: 0);
        var split = ml.Data.ExactTrainTestSplit(MlNetMlmSamples.Eli5(ml), 0.1, seed: 42);
        var test = split.TestSet.GetColumn<string>("q_id").ToList();
        var train = split.TrainSet.GetColumn<string>("q_id").ToList();
        Assert.AreEqual(7, test.Count);
        Assert.AreEqual(63, train.Count);
        Assert.AreEqual(70, test.Concat(train).Distinct().Count());
    }

    [TestMethod]
    public void AFractionThatLeavesASideEmptyIsAnError()
    {
        var ml = new MLContext(seed: 0);
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Data.ExactTrainTestSplit(Rows(ml, 4), 0.1, seed: 1));
        StringAssert.Contains(e.Message, "no test rows");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Data.ExactTrainTestSplit(Rows(ml, 4), 1.0, seed: 1));
    }
}
