using MlNetMlm.Modeling;

namespace MlNetMlm.Tests.Modeling;

/// <summary>The one padding rule shared by training batches and fill-mask batches.</summary>
[TestClass]
public sealed class PaddedBatchTests
{
    [TestMethod]
    public void RowsArePaddedOnTheRightToTheLongest()
    {
        int[][] ids = [[0, 7, 2], [0, 8, 9, 10, 2]];
        int[][] labels = [[-100, 7, -100], [-100, -100, 9, -100, -100]];
        var padded = new PaddedBatch(ids.Select(r => r.Length));

        Assert.AreEqual(5, padded.Width);
        CollectionAssert.AreEqual(new long[] { 2, 5 }, padded.Shape);
        CollectionAssert.AreEqual(new long[] { 0, 7, 2, 1, 1, 0, 8, 9, 10, 2 }, padded.Ids(r => ids[r], padId: 1));
        CollectionAssert.AreEqual(new long[] { -100, 7, -100, -100, -100, -100, -100, 9, -100, -100 }, padded.Labels(r => labels[r]));
        CollectionAssert.AreEqual(new long[] { 1, 1, 1, 0, 0, 1, 1, 1, 1, 1 }, padded.AttentionMask());
        Assert.AreEqual(8L, padded.FlatIndex(1, 3));
    }

    [TestMethod]
    public void ARowsOwnAttentionMaskIsKeptBeforeThePadding()
    {
        int[][] masks = [[1, 1, 0], [1]];
        var padded = new PaddedBatch([3, 1]);
        CollectionAssert.AreEqual(new long[] { 1, 1, 0, 1, 0, 0 }, padded.AttentionMask(r => masks[r]));
    }

    [TestMethod]
    public void ARowOfTheWrongLengthIsAnError()
    {
        var padded = new PaddedBatch([2]);
        var e = Assert.ThrowsExactly<ArgumentException>(() => padded.Ids(_ => [1, 2, 3], padId: 1));
        StringAssert.Contains(e.Message, "row 0 has 3 values");
    }
}
