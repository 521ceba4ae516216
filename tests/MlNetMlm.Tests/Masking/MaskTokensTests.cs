using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.GroupTexts;
using MlNetMlm.Masking;

namespace MlNetMlm.Tests.Masking;

[TestClass]
public sealed class MaskTokensTests
{
    private sealed class Masked
    {
        [ColumnName("input_ids")]
        public int[] Ids { get; set; } = [];
    }

    /// <summary>Generated rows grouped into 128-token blocks (2,000+ blocks, about 260k tokens).</summary>
    private static IDataView GeneratedBlocks(MLContext ml, int rows = 1800, int seed = 11)
    {
        var data = TokenIds.Load(ml, TokenIds.Generate(rows, seed));
        return ml.Transforms.GroupTexts().Fit(data).Transform(data);
    }

    /// <summary>Reads one masking pass: original ids (when the mask writes a new column), masked ids, labels.</summary>
    private static MaskingCounts Count(IDataView masked, Random? rand, string original = "original", IEnumerable<int>? neverChosen = null)
    {
        var read = TokenIds.Read(masked, rand, original, "input_ids", "labels");
        var counts = new MaskingCounts(neverChosen ?? TokenIds.Specials);
        for (int i = 0; i < read[0].Count; i++) counts.Add(read[0][i], read[1][i], read[2][i]);
        return counts;
    }

    private static IDataView MaskKeepingOriginal(MLContext ml, IDataView data, MaskTokensOptions? options = null)
    {
        var copied = ml.Transforms.CopyColumns("original", "input_ids").Fit(data).Transform(data);
        options ??= new MaskTokensOptions();
        return ml.Transforms.MaskTokens(options).Fit(copied).Transform(copied);
    }

    private static void AssertNear(double expected, double actual, double tolerance, string what) =>
        Assert.IsTrue(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected:F4} ± {tolerance:F4}, measured {actual:F4}");

    [TestMethod]
    public void StatisticsMatchTheCollatorOnGeneratedBlocks()
    {
        var ml = new MLContext(seed: 1);
        var masked = MaskKeepingOriginal(ml, GeneratedBlocks(ml));
        var counts = Count(masked, new Random(1));
        Console.WriteLine(counts);
        Assert.IsTrue(counts.Tokens > 250_000);
        Assert.IsTrue(counts.NeverChosen > 2_000, "the data holds special tokens that must be skipped");
        Assert.AreEqual(0L, counts.Violations, "specials chosen, wrong labels, unchosen inputs changed or ids out of range");
        // Binomial standard errors here: ~0.0007 for the chosen share, ~0.002 for the 80/10/10 split; allow ~6 of them.
        AssertNear(0.15, counts.ChosenOfEligible, 0.004, "chosen of eligible");
        AssertNear(0.80, counts.MaskOfChosen, 0.012, "mask of chosen");
        AssertNear(0.10, counts.RandomOfChosen, 0.010, "random of chosen");
        AssertNear(0.10, counts.UnchangedOfChosen, 0.010, "unchanged of chosen");
    }

    [TestMethod]
    public void RatiosAreConfigurable()
    {
        var ml = new MLContext(seed: 1);
        var blocks = GeneratedBlocks(ml, rows: 400);
        var none = Count(MaskKeepingOriginal(ml, blocks, new MaskTokensOptions { MlmProbability = 0 }), null);
        Assert.AreEqual(0L, none.Chosen);
        var all = Count(MaskKeepingOriginal(ml, blocks, new MaskTokensOptions { MlmProbability = 1, MaskReplaceProbability = 0, RandomReplaceProbability = 1 }), null);
        Assert.AreEqual(all.Eligible, all.Chosen, "p = 1 chooses every eligible token");
        // All-random: a draw lands on <mask> or on the token's own id only by chance (about 1 in 50,265 each).
        Assert.IsTrue(all.ToMask < all.Chosen / 1000 && all.Unchanged < all.Chosen / 1000, all.ToString());
        AssertNear(1.0, all.RandomOfChosen, 0.001, "random of chosen");
        var half = Count(MaskKeepingOriginal(ml, blocks, new MaskTokensOptions { MlmProbability = 0.5, MaskReplaceProbability = 0.3, RandomReplaceProbability = 0.2 }), null);
        AssertNear(0.5, half.ChosenOfEligible, 0.01, "chosen");
        AssertNear(0.3, half.MaskOfChosen, 0.015, "mask");
        AssertNear(0.2, half.RandomOfChosen, 0.015, "random");
        Assert.AreEqual(0L, none.Violations + all.Violations + half.Violations);

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.MaskTokens(new MaskTokensOptions { MaskReplaceProbability = 0.8, RandomReplaceProbability = 0.3 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.MaskTokens(mlmProbability: 1.5));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.MaskTokens(new MaskTokensOptions { MaskTokenId = 50265 }));
    }

    [TestMethod]
    public void PaddingIsNeverChosen()
    {
        var ml = new MLContext(seed: 1);
        var data = TokenIds.Load(ml, TokenIds.Generate(1500, seed: 12, maxLength: 100));
        var padded = ml.Transforms.GroupTexts(new GroupTextsOptions { Mode = GroupTextsMode.LineByLine, BlockSize = 64, PadTokenId = TokenIds.Pad }).Fit(data).Transform(data);
        // Not special here: padding is skipped only through PadTokenId.
        var options = new MaskTokensOptions { SpecialTokenIds = [TokenIds.Bos, TokenIds.Eos, TokenIds.Unk, TokenIds.Mask], PadTokenId = TokenIds.Pad };
        var counts = Count(MaskKeepingOriginal(ml, padded, options), new Random(3));
        Console.WriteLine(counts);
        Assert.IsTrue(counts.NeverChosen > 20_000, "many pads");
        Assert.AreEqual(0L, counts.Violations);
        AssertNear(0.15, counts.ChosenOfEligible, 0.01, "chosen of eligible");

        // Without PadTokenId, the same pads are chosen like any token: the check above is not vacuous.
        options.PadTokenId = null;
        var unguarded = Count(MaskKeepingOriginal(ml, padded, options), new Random(3), neverChosen: [.. TokenIds.Specials]);
        Assert.IsTrue(unguarded.ChosenNeverChosen > 1000);
    }

    [TestMethod]
    public void EachCursorDrawsFreshMasksAndSeedsReproduce()
    {
        var ml = new MLContext(seed: 1);
        var blocks = GeneratedBlocks(ml, rows: 300);
        var masked = ml.Transforms.MaskTokens(seed: 5).Fit(blocks).Transform(blocks);
        var first = TokenIds.Read(masked, "labels");
        var second = TokenIds.Read(masked, "labels");
        Assert.IsTrue(first.Count > 200);
        Assert.IsTrue(Differing(first, second) > first.Count * 9 / 10, "a new cursor (epoch) draws new masks");

        // A second transformer with the same seed replays the same sequence of cursors.
        var again = ml.Transforms.MaskTokens(seed: 5).Fit(blocks).Transform(blocks);
        Assert.AreEqual(0, Differing(first, TokenIds.Read(again, "labels")));
        Assert.AreEqual(0, Differing(second, TokenIds.Read(again, "labels")));
        Assert.IsTrue(Differing(first, TokenIds.Read(ml.Transforms.MaskTokens(seed: 6).Fit(blocks).Transform(blocks), "labels")) > first.Count * 9 / 10);

        // A Random from the caller decides the masks, whatever cursors were opened before.
        var withRand = TokenIds.Read(masked, "labels", new Random(100));
        Assert.AreEqual(0, Differing(withRand, TokenIds.Read(again, "labels", new Random(100))));
        Assert.IsTrue(Differing(withRand, TokenIds.Read(masked, "labels", new Random(101))) > first.Count * 9 / 10);
    }

    [TestMethod]
    public void MasksDoNotDependOnWhichColumnsAreRead()
    {
        var ml = new MLContext(seed: 1);
        var blocks = GeneratedBlocks(ml, rows: 200);
        var masked = ml.Transforms.MaskTokens().Fit(blocks).Transform(blocks);
        var both = TokenIds.Read(masked, new Random(9), "input_ids", "labels");
        Assert.AreEqual(0, Differing(both[1], TokenIds.Read(masked, "labels", new Random(9))));
        Assert.AreEqual(0, Differing(both[0], TokenIds.Read(masked, "input_ids", new Random(9))));
    }

    private static int Differing(List<int[]> a, List<int[]> b)
    {
        Assert.AreEqual(a.Count, b.Count);
        return a.Zip(b).Count(p => !p.First.AsSpan().SequenceEqual(p.Second));
    }

    [TestMethod]
    public void WholeWordMaskingKeepsWordsTogether()
    {
        const int vocabulary = 1000;
        var isWordStart = Enumerable.Range(0, vocabulary).Select(id => id % 3 == 0).ToArray();
        var random = new Random(13);
        var rows = Enumerable.Range(0, 3000).Select(_ =>
            new[] { 0 }.Concat(Enumerable.Range(0, random.Next(5, 60)).Select(_ => random.Next(4, vocabulary - 1))).Append(2).ToArray()).ToList();
        var ml = new MLContext(seed: 1);
        var data = TokenIds.Load(ml, rows);
        var options = new MaskTokensOptions
        {
            VocabularySize = vocabulary, MaskTokenId = 999, SpecialTokenIds = [0, 1, 2, 3, 999],
            WholeWordMasking = true, IsWordStart = isWordStart,
        };
        // Words (a word start and the continuation tokens after it) chosen whole, and split (some tokens chosen, not all).
        (long Words, long Chosen, long Split, long Continuations) CountWords(MaskTokensOptions o)
        {
            var read = TokenIds.Read(MaskKeepingOriginal(ml, data, o), new Random(4), "original", "labels");
            long words = 0, chosenWords = 0, split = 0, continuationTokens = 0;
            for (int r = 0; r < read[0].Count; r++)
            {
                var ids = read[0][r];
                var labels = read[1][r];
                for (int i = 1; i < ids.Length - 1;)
                {
                    int end = i + 1;
                    while (end < ids.Length - 1 && !isWordStart[ids[end]]) end++;
                    continuationTokens += end - i - 1;
                    int chosen = Enumerable.Range(i, end - i).Count(k => labels[k] != -100);
                    words++;
                    if (chosen == end - i) chosenWords++;
                    else if (chosen != 0) split++;
                    i = end;
                }
            }
            return (words, chosenWords, split, continuationTokens);
        }

        var whole = CountWords(options);
        Console.WriteLine($"whole words: words {whole.Words:N0}, chosen {whole.Chosen:N0} ({(double)whole.Chosen / whole.Words:F4}), split {whole.Split}");
        Assert.IsTrue(whole.Continuations > 30_000, "many words span several tokens");
        Assert.AreEqual(0L, whole.Split, "a word is chosen whole or not at all");
        AssertNear(0.15, (double)whole.Chosen / whole.Words, 5 * Math.Sqrt(0.15 * 0.85 / whole.Words), "chosen words"); // 5 binomial standard errors

        // Control: the same data and count without whole-word masking does split words (tokens are chosen one by one:
        // a two-token word is split with probability 1 − 0.15² − 0.85² ≈ 0.26), so the zero above is the option's doing.
        options.WholeWordMasking = false;
        var perToken = CountWords(options);
        Console.WriteLine($"per token:   words {perToken.Words:N0}, split {perToken.Split:N0}");
        Assert.AreEqual(whole.Words, perToken.Words);
        Assert.IsTrue(perToken.Split > whole.Continuations / 20, $"per-token masking splits many words: {perToken.Split}");
    }

    [TestMethod]
    public void WholeWordMaskingOnMobyDickWithRobertaWordStarts()
    {
        var rows = TokenIds.MobyDick();
        var vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(RepoPaths.RequireShared("roberta-base", "vocab.json")))!;
        var isWordStart = WordStarts.FromByteLevelVocabulary(vocabulary, TokenIds.Vocabulary);
        Assert.IsTrue(isWordStart[vocabulary["\u0120the"]]);
        Assert.IsFalse(isWordStart[vocabulary["the"]]);
        var ml = new MLContext(seed: 1);
        var data = TokenIds.Load(ml, rows);
        var grouped = ml.Transforms.GroupTexts().Fit(data).Transform(data);
        var masked = MaskKeepingOriginal(ml, grouped, new MaskTokensOptions { WholeWordMasking = true, IsWordStart = isWordStart });
        var read = TokenIds.Read(masked, new Random(8), "original", "labels");
        var specials = new HashSet<int>(TokenIds.Specials);
        long words = 0, multiToken = 0, chosen = 0, split = 0;
        foreach (var (ids, labels) in read[0].Zip(read[1]))
        {
            for (int i = 0; i < ids.Length;)
            {
                if (specials.Contains(ids[i])) { i++; continue; }
                int end = i + 1;
                while (end < ids.Length && !specials.Contains(ids[end]) && !isWordStart[ids[end]]) end++;
                int picked = Enumerable.Range(i, end - i).Count(k => labels[k] != -100);
                words++;
                if (end - i > 1) multiToken++;
                if (picked == end - i) chosen++;
                else if (picked != 0) split++;
                i = end;
            }
        }
        Console.WriteLine($"Moby-Dick words {words:N0} ({multiToken:N0} of several tokens), chosen {(double)chosen / words:F4}, split {split}");
        Assert.IsTrue(multiToken > 10_000);
        Assert.AreEqual(0L, split);
        AssertNear(0.15, (double)chosen / words, 5 * Math.Sqrt(0.15 * 0.85 / words), "chosen words");
    }

    [TestMethod]
    public void RandomReplacementsCoverTheWholeVocabularySpecialsIncluded()
    {
        // As HF does: random ids come from [0, vocabulary), special ids and the original id included.
        var neverChosen = new bool[10];
        neverChosen[0] = neverChosen[1] = neverChosen[2] = true;
        var masker = new TokenMasker(neverChosen, null, mlmProbability: 1, maskShare: 0, randomShare: 1, maskTokenId: 2);
        int[] ids = [0, 5, 6, 7, 8, 9, 1, 2];
        var masked = new int[ids.Length];
        var labels = new int[ids.Length];
        var seen = new int[10];
        for (int row = 0; row < 2000; row++)
        {
            var rng = Xoshiro256.ForRow(7, row);
            Assert.AreEqual(-1, masker.Mask(ids, masked, labels, ref rng));
            CollectionAssert.AreEqual(new[] { 0, 1, 2 }, new[] { masked[0], masked[6], masked[7] }, "specials untouched");
            CollectionAssert.AreEqual(new[] { -100, 5, 6, 7, 8, 9, -100, -100 }, labels);
            for (int i = 1; i <= 5; i++) seen[masked[i]]++;
        }
        // 10,000 draws over 10 ids: each about 1,000 times.
        Assert.IsTrue(seen.All(n => n > 850 && n < 1150), string.Join(", ", seen));
        Assert.AreEqual(3, masker.Mask([4, 4, 4, 10], masked.AsSpan(0, 4), labels.AsSpan(0, 4), ref Unsafe.NullRef<Xoshiro256>()), "the first out-of-range position is reported before any draw");
    }

    [TestMethod]
    public void EstimatorsReportOutputShapes()
    {
        var ml = new MLContext(seed: 1);
        var data = TokenIds.Load(ml, [[0, 5, 2]]);
        var input = MlNetMlm.MLNetInternals.SchemaShapes.FromSchema(data.Schema);
        var grouped = ml.Transforms.GroupTexts().GetOutputSchema(input);
        CollectionAssert.AreEqual(new[] { "input_ids", "attention_mask" }, grouped.Select(c => c.Name).ToArray());
        var masked = ml.Transforms.MaskTokens().GetOutputSchema(grouped);
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, grouped.Single(c => c.Name == "input_ids").Kind, "blocks have a fixed size");
        var labels = masked.Single(c => c.Name == "labels");
        Assert.AreNotEqual(SchemaShape.Column.VectorKind.Scalar, labels.Kind); // SchemaShapes drops fixed sizes
        Assert.AreEqual(NumberDataViewType.Int32, labels.ItemType);
    }

    [TestMethod]
    public void WordStartsComeFromByteLevelTokens()
    {
        var table = WordStarts.FromByteLevelVocabulary(new Dictionary<string, int> { ["<s>"] = 0, ["Ġthe"] = 1, ["the"] = 2, ["Ġ"] = 3 }, 5);
        CollectionAssert.AreEqual(new[] { false, true, false, true, false }, table);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => WordStarts.FromByteLevelVocabulary(new Dictionary<string, int> { ["x"] = 5 }, 5));
        Assert.ThrowsExactly<ArgumentException>(() => new MLContext().Transforms.MaskTokens(new MaskTokensOptions { WholeWordMasking = true }));
        Assert.ThrowsExactly<ArgumentException>(() => new MLContext().Transforms.MaskTokens(new MaskTokensOptions { WholeWordMasking = true, IsWordStart = table }));
    }

    [TestMethod]
    public void MissingColumnWrongTypeAndBadIdsAreNamed()
    {
        var ml = new MLContext(seed: 1);
        var data = TokenIds.Load(ml, [[0, 5, 2]]);
        var missing = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.MaskTokens("masked", "token_ids").Fit(data));
        StringAssert.Contains(missing.Message, "MaskTokens");
        StringAssert.Contains(missing.Message, "'token_ids' not found");
        StringAssert.Contains(missing.Message, "'input_ids'");

        var floats = ml.Data.LoadFromEnumerable(new[] { new { input_ids = new float[] { 1, 2 } } });
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.MaskTokens().Fit(floats)).Message, "'input_ids' must be a vector of Int32");

        var tooLarge = TokenIds.Load(ml, [[0, 5, 2], [0, 70000, 2]]);
        var masked = ml.Transforms.MaskTokens().Fit(tooLarge).Transform(tooLarge);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => TokenIds.Read(masked, "labels"));
        StringAssert.Contains(e.Message, "'input_ids'");
        StringAssert.Contains(e.Message, "70000");
        StringAssert.Contains(e.Message, "row 1");
    }

    [TestMethod]
    public void OutputKeepsTheBlockSizeAndPassesOtherColumns()
    {
        var ml = new MLContext(seed: 1);
        var blocks = GeneratedBlocks(ml, rows: 50);
        var masked = ml.Transforms.MaskTokens().Fit(blocks).Transform(blocks);
        var block = new VectorDataViewType(NumberDataViewType.Int32, 128);
        Assert.AreEqual(block, masked.Schema["input_ids"].Type);
        Assert.AreEqual(block, masked.Schema["labels"].Type);
        Assert.IsNotNull(masked.Schema.GetColumnOrNull("attention_mask"));
        Assert.IsTrue(TokenIds.Read(masked, "attention_mask").All(m => m.All(v => v == 1)));
    }

    [TestMethod]
    public void IsTrainingOnlyAndTheScoringModelStillPredicts()
    {
        var ml = new MLContext(seed: 1);
        var data = TokenIds.Load(ml, TokenIds.Generate(20, seed: 2));
        var model = ml.Transforms.CopyColumns("copy", "input_ids")
            .Append(ml.Transforms.MaskTokens(), TransformerScope.Training)
            .Fit(data);
        var mask = model.LastTransformer;
        Assert.IsFalse(mask.IsRowToRowMapper);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => mask.GetRowToRowMapper(data.Schema));
        StringAssert.Contains(e.Message, "MaskTokens is training-only");
        StringAssert.Contains(e.Message, "TransformerScope.Training");
        StringAssert.Contains(e.Message, "GetModelFor(TransformerScope.Scoring)");

        // ML.NET checks IsRowToRowMapper itself before asking for a mapper, so a PredictionEngine over
        // the whole chain fails with ML.NET's own message; the scoring part works.
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Model.CreatePredictionEngine<IdsRow, Masked>(model));
        var engine = ml.Model.CreatePredictionEngine<IdsRow, Masked>(model.GetModelFor(TransformerScope.Scoring));
        CollectionAssert.AreEqual(new[] { 0, 7, 2 }, engine.Predict(new IdsRow { Ids = [0, 7, 2] }).Ids, "scoring does not mask");
    }

    [TestMethod]
    public void SaveLoadInAFreshContextGivesTheSameMasks()
    {
        var ml = new MLContext(seed: 1);
        var rows = TokenIds.Generate(300, seed: 21);
        var data = TokenIds.Load(ml, rows);
        var isWordStart = new bool[TokenIds.Vocabulary];
        for (int id = 0; id < isWordStart.Length; id += 2) isWordStart[id] = true;
        var options = new MaskTokensOptions { Seed = 77, MlmProbability = 0.2, WholeWordMasking = true, IsWordStart = isWordStart };
        var pipeline = ml.Transforms.GroupTexts(new GroupTextsOptions { BlockSize = 64, RowsPerGroup = 100 })
            .Append(ml.Transforms.MaskTokens(options), TransformerScope.Training);
        string path = Path.Combine(Path.GetTempPath(), $"mask-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(pipeline.Fit(data), data.Schema, path);
            var original = pipeline.Fit(data); // unsaved twin: its cursor count starts at 0 like the loaded one
            var fresh = new MLContext(seed: 999);
            var loaded = (TransformerChain<ITransformer>)fresh.Model.Load(path, out _);
            var a = original.Transform(data, TransformerScope.Training);
            var b = loaded.Transform(TokenIds.Load(fresh, rows), TransformerScope.Training);
            string[] columns = ["input_ids", "labels", "attention_mask"];
            var withRandA = TokenIds.Read(a, new Random(3), columns);
            var withRandB = TokenIds.Read(b, new Random(3), columns);
            for (int c = 0; c < columns.Length; c++) Assert.AreEqual(0, Differing(withRandA[c], withRandB[c]), columns[c]);
            Assert.IsTrue(withRandA[0].Count > 100);
            Assert.AreEqual(0, Differing(TokenIds.Read(a, "labels"), TokenIds.Read(b, "labels")), "same Seed, first unseeded cursor");
            var mask = loaded.OfType<MaskTokensTransformer>().Single();
            Assert.AreEqual(77, mask.Seed);
            Assert.IsTrue(mask.WholeWordMasking);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void MobyDickStatisticsMatchHuggingFacesCollator()
    {
        var rows = TokenIds.MobyDick();
        using var statsFile = JsonDocument.Parse(File.ReadAllText(RepoPaths.RequireShared("hf-reference", "collator-stats.json")));
        var hf = statsFile.RootElement;
        var fractions = hf.GetProperty("fractions");
        var ml = new MLContext(seed: 1);
        var data = TokenIds.Load(ml, rows);
        var grouped = ml.Transforms.GroupTexts().Fit(data).Transform(data);
        var withOriginal = ml.Transforms.CopyColumns("original", "input_ids").Fit(grouped).Transform(grouped);
        var masked = ml.Transforms.MaskTokens().Fit(withOriginal).Transform(withOriginal);

        // Three epochs, as HF's run; the trainer passes new Random(seed + epoch) per epoch.
        var total = new MaskingCounts(TokenIds.Specials);
        var perEpoch = new List<List<int[]>>();
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var read = TokenIds.Read(masked, new Random(42 + epoch), "original", "input_ids", "labels");
            for (int i = 0; i < read[0].Count; i++) total.Add(read[0][i], read[1][i], read[2][i]);
            perEpoch.Add(read[2]);
        }
        Console.WriteLine($"MlNetMlm: {total}");
        Console.WriteLine($"HF:       {fractions}");
        var counts = hf.GetProperty("counts");
        Assert.AreEqual(counts.GetProperty("tokens").GetInt64(), total.Tokens);
        Assert.AreEqual(counts.GetProperty("special").GetInt64(), total.NeverChosen);
        Assert.AreEqual(0L, total.Violations);
        Assert.IsTrue(Differing(perEpoch[0], perEpoch[1]) > perEpoch[0].Count * 9 / 10, "epochs differ");

        // Both runs are samples: allow 5 standard errors of the difference of two independent runs.
        double chosenSe = fractions.GetProperty("masked_of_non_special_stderr").GetDouble() * Math.Sqrt(2);
        double splitSe = fractions.GetProperty("of_masked_stderr_at_0.1").GetDouble() * Math.Sqrt(2);
        AssertNear(fractions.GetProperty("masked_of_non_special").GetDouble(), total.ChosenOfEligible, 5 * chosenSe, "chosen of non-special");
        AssertNear(fractions.GetProperty("of_masked_replaced_by_mask_token").GetDouble(), total.MaskOfChosen, 5 * splitSe * 4 / 3, "mask of chosen"); // sd at 0.8 is 4/3 of that at 0.1
        AssertNear(fractions.GetProperty("of_masked_random_token").GetDouble(), total.RandomOfChosen, 5 * splitSe, "random of chosen");
        AssertNear(fractions.GetProperty("of_masked_unchanged").GetDouble(), total.UnchangedOfChosen, 5 * splitSe, "unchanged of chosen");
        AssertNear(fractions.GetProperty("label_minus100_share").GetDouble(), total.IgnoredShare, 5 * chosenSe, "labels -100 share");
    }

    [TestMethod]
    public void GroupAndMaskReadLikeATrainerGivesEveryBlock()
    {
        // Group(128) + mask read as a trainer reads them (input_ids, labels and attention_mask of every block);
        // the throughput of the same loop over ~3.6 M ids is bench/dotnet/prep-throughput.cs.
        var ml = new MLContext(seed: 1);
        var rows = TokenIds.Generate(400, seed: 31, minLength: 100, maxLength: 500);
        long tokens = rows.Sum(r => (long)r.Length);
        var data = TokenIds.Load(ml, rows);
        var model = ml.Transforms.GroupTexts().Append(ml.Transforms.MaskTokens(), TransformerScope.Training).Fit(data);
        long blocks = Pass(model.Transform(data, TransformerScope.Training), ["input_ids", "labels", "attention_mask"]);
        long groupedBlocks = Pass(model.First().Transform(data), ["input_ids", "attention_mask"]);
        Assert.AreEqual(tokens / 128, blocks);
        Assert.AreEqual(blocks, groupedBlocks);
    }

    private static long Pass(IDataView view, string[] columns)
    {
        var cols = columns.Select(c => view.Schema[c]).ToArray();
        using var cursor = view.GetRowCursor(cols, new Random(1));
        var getters = cols.Select(c => cursor.GetGetter<VBuffer<int>>(c)).ToArray();
        var buffer = default(VBuffer<int>);
        long rows = 0, checksum = 0;
        while (cursor.MoveNext())
        {
            rows++;
            foreach (var getter in getters)
            {
                getter(ref buffer);
                checksum += buffer.GetValues()[^1];
            }
        }
        Assert.AreNotEqual(0L, checksum);
        return rows;
    }
}
