using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.Training;

namespace MlNetMlm.Tests.Training;

[TestClass]
public sealed class EpochBlocksTests
{
    private sealed class Block
    {
        [ColumnName("input_ids"), VectorType] public int[] Ids { get; set; } = [];
        [ColumnName("labels"), VectorType] public int[] Labels { get; set; } = [];
        [ColumnName("attention_mask"), VectorType] public int[] Mask { get; set; } = [];
    }

    /// <summary>A pass is kept in a file and read back by position: every block comes back exactly, in any order.</summary>
    [TestMethod]
    public void BlocksReadBackByPositionEqualTheRowsWritten()
    {
        var rows = Enumerable.Range(0, 3000).Select(i => new Block
        {
            Ids = Enumerable.Range(i, 1 + i % 7).ToArray(),
            Labels = Enumerable.Range(0, 1 + i % 7).Select(j => j % 3 == 0 ? i + j : -100).ToArray(),
            Mask = Enumerable.Range(0, 1 + i % 7).Select(j => j < 5 ? 1 : 0).ToArray(),
        }).ToList();
        var ml = new MLContext(seed: 1);
        using var blocks = TrainingBlocks.Read(ml.Data.LoadFromEnumerable(rows), new MaskedLmTrainerOptions(), new Random(1), "test", CancellationToken.None);
        Assert.AreEqual(rows.Count, blocks.Count);
        var order = Enumerable.Range(0, rows.Count).ToArray();
        new Random(7).Shuffle(order);
        foreach (int i in order)
        {
            var block = blocks[i];
            CollectionAssert.AreEqual(rows[i].Ids, block.Ids, $"ids {i}");
            CollectionAssert.AreEqual(rows[i].Labels, block.Labels, $"labels {i}");
            CollectionAssert.AreEqual(rows[i].Mask, block.AttentionMask, $"mask {i}");
        }
    }
}
