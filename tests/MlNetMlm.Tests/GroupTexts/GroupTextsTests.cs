using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.GroupTexts;

namespace MlNetMlm.Tests.GroupTexts;

[TestClass]
public sealed class GroupTextsTests
{
    private static void AssertBlocks(List<int[]> expected, List<int[]> actual)
    {
        Assert.AreEqual(expected.Count, actual.Count, "block count");
        for (int i = 0; i < expected.Count; i++) CollectionAssert.AreEqual(expected[i], actual[i], $"block {i}");
    }

    [TestMethod]
    public void BlocksEqualConcatenateAndCut()
    {
        var ml = new MLContext(seed: 1);
        var rows = TokenIds.Generate(400, seed: 3);
        var data = TokenIds.Load(ml, rows);
        var blocks = ml.Transforms.GroupTexts(blockSize: 128).Fit(data).Transform(data);

        Assert.AreEqual(2, blocks.Schema.Count, "a grouped view holds only the block and its attention mask");
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Int32, 128), blocks.Schema["input_ids"].Type);
        Assert.IsNull(blocks.GetRowCount());
        Assert.IsFalse(blocks.CanShuffle);

        var read = TokenIds.Read(blocks, null, "input_ids", "attention_mask");
        var expected = TokenIds.ReferenceBlocks(rows, 128);
        Assert.IsTrue(expected.Count > 300);
        AssertBlocks(expected, read[0]);
        Assert.IsTrue(read[1].All(mask => mask.Length == 128 && mask.All(v => v == 1)));
    }

    [TestMethod]
    public void RemainderIsDroppedAndTooFewTokensGiveNoBlock()
    {
        var ml = new MLContext(seed: 1);
        int[][] rows = [[5, 6, 7], [8], [], [9, 10, 11, 12]]; // 8 ids
        var data = TokenIds.Load(ml, rows);
        AssertBlocks([[5, 6, 7], [8, 9, 10]], TokenIds.Read(ml.Transforms.GroupTexts(blockSize: 3).Fit(data).Transform(data), "input_ids"));
        Assert.AreEqual(0, TokenIds.Read(ml.Transforms.GroupTexts(blockSize: 9).Fit(data).Transform(data), "input_ids").Count);
        Assert.AreEqual(8, TokenIds.Read(ml.Transforms.GroupTexts(blockSize: 1).Fit(data).Transform(data), "input_ids").Count);
    }

    [TestMethod]
    public void RowsPerGroupDropsARemainderPerGroupLikeDatasetsMap()
    {
        var ml = new MLContext(seed: 1);
        var rows = TokenIds.Generate(95, seed: 4, maxLength: 40);
        var data = TokenIds.Load(ml, rows);
        var grouped = ml.Transforms.GroupTexts(new GroupTextsOptions { BlockSize = 16, RowsPerGroup = 10 }).Fit(data).Transform(data);
        var expected = rows.Chunk(10).SelectMany(group => TokenIds.ReferenceBlocks(group, 16)).ToList();
        AssertBlocks(expected, TokenIds.Read(grouped, "input_ids"));
        // Per-group cutting really differs from one stream here, so the test above can fail.
        Assert.AreNotEqual(TokenIds.ReferenceBlocks(rows, 16).Count, expected.Count);

        // Fewer rows than a group: same as one continuous stream.
        var whole = ml.Transforms.GroupTexts(new GroupTextsOptions { BlockSize = 16, RowsPerGroup = 1000 }).Fit(data).Transform(data);
        AssertBlocks(TokenIds.ReferenceBlocks(rows, 16), TokenIds.Read(whole, "input_ids"));
    }

    [TestMethod]
    public void LineByLinePadsTruncatesAndKeepsOtherColumns()
    {
        var ml = new MLContext(seed: 1);
        int[][] rows = [[0, 7, 2], [], [0, 10, 11, 12, 13, 14, 2], [0, 20, 21, 2]];
        var data = TokenIds.Load(ml, rows);
        var options = new GroupTextsOptions { Mode = GroupTextsMode.LineByLine, BlockSize = 4, OutputColumnName = "block" };
        var view = ml.Transforms.GroupTexts(options).Fit(data).Transform(data);
        Assert.IsNotNull(view.Schema.GetColumnOrNull("input_ids"), "line-by-line keeps the input columns");
        var read = TokenIds.Read(view, null, "block", "attention_mask", "input_ids");
        AssertBlocks([[0, 7, 2, 1], [1, 1, 1, 1], [0, 10, 11, 2], [0, 20, 21, 2]], read[0]);
        AssertBlocks([[1, 1, 1, 0], [0, 0, 0, 0], [1, 1, 1, 1], [1, 1, 1, 1]], read[1]);
        AssertBlocks(rows.ToList(), read[2]);

        options.TruncationKeepsLastToken = false;
        options.PadTokenId = 9;
        var cut = TokenIds.Read(ml.Transforms.GroupTexts(options).Fit(data).Transform(data), "block");
        AssertBlocks([[0, 7, 2, 9], [9, 9, 9, 9], [0, 10, 11, 12], [0, 20, 21, 2]], cut);
    }

    [TestMethod]
    public void StreamsAMillionRowsInBoundedMemory()
    {
        const int rowCount = 1_000_000, blockSize = 128, maxLength = 20;
        long producedTokens = 0, totalTokens = 0;
        IEnumerable<IdsRow> Lazy()
        {
            var random = new Random(5);
            for (int r = 0; r < rowCount; r++)
            {
                var ids = new int[random.Next(0, maxLength + 1)];
                for (int i = 0; i < ids.Length; i++) ids[i] = 4 + (int)((producedTokens + i) % 50000);
                producedTokens += ids.Length;
                yield return new IdsRow { Ids = ids };
            }
        }
        // The total, counted the same way without keeping the rows.
        var count = new Random(5);
        for (int r = 0; r < rowCount; r++) totalTokens += count.Next(0, maxLength + 1);

        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Lazy());
        var blocks = ml.Transforms.GroupTexts(blockSize: blockSize).Fit(data).Transform(data);
        long blockCount = 0, maxAhead = 0, memoryGrowth = 0;
        long baseline = GC.GetTotalMemory(forceFullCollection: true);
        using (var cursor = blocks.GetRowCursor([blocks.Schema["input_ids"]]))
        {
            var getter = cursor.GetGetter<VBuffer<int>>(blocks.Schema["input_ids"]);
            var block = default(VBuffer<int>);
            while (cursor.MoveNext())
            {
                getter(ref block);
                // Ids hold their stream offset, so each block must continue exactly where the last ended.
                Assert.AreEqual(4 + blockCount * blockSize % 50000, block.GetValues()[0]);
                blockCount++;
                maxAhead = Math.Max(maxAhead, producedTokens - blockCount * blockSize);
                if (blockCount == 40_000) memoryGrowth = GC.GetTotalMemory(forceFullCollection: true) - baseline;
            }
        }
        Assert.AreEqual(totalTokens / blockSize, blockCount);
        Assert.IsTrue(totalTokens > 9_000_000, "about 40 MB of ids went through");
        Assert.IsTrue(maxAhead < blockSize + maxLength, $"read at most one block plus one row ahead, but read {maxAhead} ids ahead");
        Assert.IsTrue(memoryGrowth < 4_000_000, $"memory grew by {memoryGrowth:N0} bytes while streaming");
    }

    [TestMethod]
    public void MissingColumnIsNamedWithTheColumnsPresent()
    {
        var ml = new MLContext(seed: 1);
        var data = TokenIds.Load(ml, [[1, 2]]);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.GroupTexts("blocks", "token_ids").Fit(data));
        StringAssert.Contains(e.Message, "GroupTexts");
        StringAssert.Contains(e.Message, "'token_ids' not found");
        StringAssert.Contains(e.Message, "'input_ids'");
    }

    [TestMethod]
    public void WrongColumnTypeIsNamed()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new { input_ids = new float[] { 1, 2 } } });
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.GroupTexts().Fit(data));
        StringAssert.Contains(e.Message, "'input_ids' must be a vector of Int32");
        StringAssert.Contains(e.Message, "Single");
    }

    [TestMethod]
    public void BadOptionsAreRefusedWhenTheEstimatorIsMade()
    {
        var ml = new MLContext(seed: 1);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.GroupTexts(blockSize: 0)).Message, "BlockSize");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.GroupTexts(new GroupTextsOptions { RowsPerGroup = 0 })).Message, "RowsPerGroup");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.GroupTexts(new GroupTextsOptions { AttentionMaskColumnName = "input_ids" })).Message, "both named");
    }

    [TestMethod]
    public void IsTrainingOnlyWithAClearMessage()
    {
        var ml = new MLContext(seed: 1);
        var data = TokenIds.Load(ml, [[1, 2, 3]]);
        var model = ml.Transforms.GroupTexts(blockSize: 2).Fit(data);
        Assert.IsFalse(model.IsRowToRowMapper);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => model.GetRowToRowMapper(data.Schema));
        StringAssert.Contains(e.Message, "GroupTexts is training-only");
        StringAssert.Contains(e.Message, "TransformerScope.Training");
        StringAssert.Contains(e.Message, "GetModelFor(TransformerScope.Scoring)");
    }

    [TestMethod]
    public void SavesAndLoadsInsideAFittedPipeline()
    {
        var ml = new MLContext(seed: 1);
        var rows = TokenIds.Generate(60, seed: 6, maxLength: 50);
        var data = TokenIds.Load(ml, rows);
        var options = new GroupTextsOptions { BlockSize = 32, RowsPerGroup = 7, OutputColumnName = "block", AttentionMaskColumnName = "mask" };
        var model = ml.Transforms.CopyColumns("copy", "input_ids").Append(ml.Transforms.GroupTexts(options), TransformerScope.Training).Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"group-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, data.Schema, path);
            var fresh = new MLContext(seed: 2);
            var loaded = fresh.Model.Load(path, out _);
            // ML.NET 5's chain.Transform(data) runs only the Scoring scope; training-only steps need the scope named.
            Assert.IsNull(model.Transform(data).Schema.GetColumnOrNull("block"));
            var expected = TokenIds.Read(model.Transform(data, TransformerScope.Training), null, "block", "mask");
            var loadedChain = (TransformerChain<ITransformer>)loaded;
            var actual = TokenIds.Read(loadedChain.Transform(TokenIds.Load(fresh, rows), TransformerScope.Training), null, "block", "mask");
            Assert.IsTrue(expected[0].Count > 10);
            AssertBlocks(expected[0], actual[0]);
            AssertBlocks(expected[1], actual[1]);
            var group = ((IEnumerable<ITransformer>)loaded).OfType<GroupTextsTransformer>().Single();
            Assert.AreEqual(7, group.RowsPerGroup);
            Assert.AreEqual("mask", group.AttentionMaskColumnName);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void MobyDickGivesHuggingFacesBlockCount()
    {
        var rows = TokenIds.MobyDick();
        var ml = new MLContext(seed: 1);
        var data = TokenIds.Load(ml, rows);
        var blocks = TokenIds.Read(ml.Transforms.GroupTexts().Fit(data).Transform(data), "input_ids");
        // collator-stats.json: 287,366 tokens in 2,245 blocks of 128 (135 chapters, under one datasets.map batch).
        Assert.AreEqual(287_366, rows.Sum(r => r.Length));
        Assert.AreEqual(2245, blocks.Count);
        Assert.AreEqual(807 / 3, blocks.Sum(b => b.Count(id => TokenIds.Specials.Contains(id))), "special tokens per epoch, as HF counted");
        AssertBlocks(TokenIds.ReferenceBlocks(rows, 128), blocks);
    }
}
