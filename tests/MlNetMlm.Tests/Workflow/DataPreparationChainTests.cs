using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.Flatten;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Tests.Workflow;

/// <summary>
/// The data half of the workflow on the embedded sample, as a user chains it:
/// load → split → flatten → join → tokenize → group(128) → mask.
/// </summary>
[TestClass]
public sealed class DataPreparationChainTests
{
    [TestMethod]
    public void EmbeddedSampleBecomesMaskedBlocks()
    {
        var ml = new MLContext(seed: 1);
        var tokenizer = RobertaTokenizer.Default;
        var split = ml.Data.TrainTestSplit(MlNetMlmSamples.Eli5(ml), testFraction: 0.1, seed: 1);

        var preparation = ml.Transforms.FlattenJson(FlattenJsonOptions.Eli5())
            .Append(ml.Transforms.Text.JoinText("text", "answers.text"))
            .Append(ml.Transforms.Text.TokenizeRoberta("input_ids", "text", tokenizer))
            .Append(ml.Transforms.GroupTexts(blockSize: 128), TransformerScope.Training)
            .Append(ml.Transforms.MaskTokens(tokenizer), TransformerScope.Training);
        var fitted = preparation.Fit(split.TrainSet);
        var blocks = fitted.Transform(split.TrainSet, TransformerScope.Training);

        // Reference: the same ids, concatenated and cut by hand.
        var joined = ml.Transforms.FlattenJson(FlattenJsonOptions.Eli5()).Append(ml.Transforms.Text.JoinText("text", "answers.text"))
            .Fit(split.TrainSet).Transform(split.TrainSet).GetColumn<string>("text").ToList();
        long totalTokens = joined.Sum(t => (long)tokenizer.EncodeToIds(t).Length);
        var (ids, labels) = ReadBlocks(blocks); // one cursor: each cursor draws its own masks

        Assert.IsTrue(joined.Count is > 50 and < 70, $"about 90 % of 70 questions in the train set, got {joined.Count}");
        Assert.AreEqual(totalTokens / 128, ids.Count, "every full block of 128, the remainder dropped");
        Assert.IsTrue(ids.All(b => b.Length == 128) && labels.All(l => l.Length == 128));
        Assert.AreEqual(128, ((VectorDataViewType)blocks.Schema["input_ids"].Type).Size);

        long nonSpecial = 0, chosen = 0, masked = 0, specialsChosen = 0;
        for (int b = 0; b < ids.Count; b++)
            for (int t = 0; t < 128; t++)
            {
                bool isChosen = labels[b][t] != -100;
                bool special = isChosen ? tokenizer.IsSpecial(labels[b][t]) : tokenizer.IsSpecial(ids[b][t]);
                if (special) { if (isChosen) specialsChosen++; continue; }
                nonSpecial++;
                if (!isChosen) continue;
                chosen++;
                if (ids[b][t] == tokenizer.MaskId) masked++;
            }
        double chosenFraction = (double)chosen / nonSpecial, maskFraction = (double)masked / chosen;
        Console.WriteLine($"{ids.Count} blocks; chosen {chosenFraction:P2} of {nonSpecial} non-special tokens; <mask> for {maskFraction:P1} of them");
        Assert.AreEqual(0, specialsChosen, "special tokens are never chosen");
        Assert.AreEqual(0.15, chosenFraction, 0.02);
        Assert.AreEqual(0.80, maskFraction, 0.05);

        // A new pass draws new masks; the scoring part of the fitted chain is row to row.
        var again = ReadBlocks(fitted.Transform(split.TrainSet, TransformerScope.Training)).Labels;
        Assert.IsFalse(labels.Zip(again).All(p => p.First.SequenceEqual(p.Second)), "masks differ between passes");
        Assert.IsTrue(((ITransformer)fitted.GetModelFor(TransformerScope.Scoring)).IsRowToRowMapper);
        Assert.IsFalse(((ITransformer)fitted).IsRowToRowMapper, "the whole chain holds the training-only steps");
    }

    private static (List<int[]> Ids, List<int[]> Labels) ReadBlocks(IDataView blocks)
    {
        var ids = new List<int[]>();
        var labels = new List<int[]>();
        using var cursor = blocks.GetRowCursor([blocks.Schema["input_ids"], blocks.Schema["labels"]]);
        var idsGetter = cursor.GetGetter<VBuffer<int>>(blocks.Schema["input_ids"]);
        var labelsGetter = cursor.GetGetter<VBuffer<int>>(blocks.Schema["labels"]);
        VBuffer<int> a = default, b = default;
        while (cursor.MoveNext())
        {
            idsGetter(ref a);
            labelsGetter(ref b);
            ids.Add(a.DenseValues().ToArray());
            labels.Add(b.DenseValues().ToArray());
        }
        return (ids, labels);
    }
}
