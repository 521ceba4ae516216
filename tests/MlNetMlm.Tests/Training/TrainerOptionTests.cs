using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.FillMask;
using MlNetMlm.Modeling;
using MlNetMlm.Tests.Modeling;
using MlNetMlm.Tokenization;
using MlNetMlm.Training;
using TorchSharp;

namespace MlNetMlm.Tests.Training;

/// <summary>
/// Each <see cref="MaskedLmTrainerOptions"/> option that has no other test, shown to act: a run with the option
/// changed differs from the same run without the change, in the way the option says. Training is deterministic
/// (same options, same bits: <see cref="SameOptionsGiveTheSameWeights"/>), so a difference is the option's doing.
/// Tiny model, 1–4 steps each.
/// </summary>
[TestClass]
public sealed class TrainerOptionTests
{
    private static readonly RobertaTokenizer Tokenizer = RobertaTokenizer.Default;
    private static MLContext s_ml = null!;
    private static IDataView s_train = null!;
    private static IDataView s_eval = null!;

    [ClassInitialize]
    public static void Prepare(TestContext _)
    {
        s_ml = new MLContext(seed: 1);
        s_train = TinyTraining.Prepared(s_ml, TinyTraining.Sentences(s_ml, 60, seed: 21), Tokenizer);
        s_eval = TinyTraining.Prepared(s_ml, TinyTraining.Sentences(s_ml, 20, seed: 22), Tokenizer);
    }

    private static MaskedLmTransformer Train(long steps, Action<MaskedLmTrainerOptions>? change = null)
    {
        var options = TinyTraining.Options(Tokenizer);
        options.MaxSteps = steps;
        options.WarmupSteps = 0;
        options.LoggingSteps = 1;
        change?.Invoke(options);
        return s_ml.MaskedLanguageModeling().Trainer(options).Fit(s_train);
    }

    private static Dictionary<string, bool> SameTensors(MaskedLmTransformer a, MaskedLmTransformer b)
    {
        var sa = a.Model.state_dict();
        var sb = b.Model.state_dict();
        CollectionAssert.AreEqual(sa.Keys.ToList(), sb.Keys.ToList());
        return sa.Keys.ToDictionary(k => k, k => sa[k].eq(sb[k]).all().item<bool>());
    }

    /// <summary>HF's rule: no weight decay on biases and LayerNorm weights.</summary>
    private static bool IsNoDecay(string key) => key.EndsWith("bias", StringComparison.Ordinal) || key.Contains("LayerNorm.") || key.Contains("layer_norm.");

    [TestMethod]
    public void SameOptionsGiveTheSameWeights()
    {
        using var a = Train(2);
        using var b = Train(2);
        Assert.IsTrue(SameTensors(a, b).Values.All(same => same), "the control: training is deterministic");
    }

    [TestMethod]
    public void WeightDecayShrinksWeightsButNotBiasesOrLayerNorm()
    {
        // After one step both runs computed the same gradients and the same Adam update; only the decoupled decay
        // (−lr·wd·w) differs, and it must reach exactly the decayed parameters. Starting from HF's tiny-a, whose biases
        // are not zero (a fresh model's are, and decay leaves zeros alone).
        string checkpoint = HfReference.CheckpointDir("tiny-a");
        void FromTinyA(MaskedLmTrainerOptions o) { o.ModelDirectory = checkpoint; o.Config = null; }
        using var none = Train(1, o => { FromTinyA(o); o.WeightDecay = 0; });
        using var strong = Train(1, o => { FromTinyA(o); o.WeightDecay = 0.5; });
        var same = SameTensors(none, strong);
        var noDecay = same.Keys.Where(IsNoDecay).ToList();
        var decayed = same.Keys.Where(k => !IsNoDecay(k)).ToList();
        Assert.IsTrue(noDecay.Count >= 10 && decayed.Count >= 10);
        foreach (string key in noDecay) Assert.IsTrue(same[key], $"'{key}' is in the no-decay group: weight decay must not change it");
        foreach (string key in decayed) Assert.IsFalse(same[key], $"'{key}' must be decayed");
    }

    [TestMethod]
    public void AdamHyperParametersReachTheOptimizer()
    {
        using var defaults = Train(2);
        // ε enters the very first update (lr·g/(|g|+ε)); β1 and β2 cancel out of the first bias-corrected update, so two steps.
        using var epsilon = Train(2, o => o.AdamEpsilon = 1.0);
        using var beta1 = Train(2, o => o.AdamBeta1 = 0.5);
        using var beta2 = Train(2, o => o.AdamBeta2 = 0.5);
        foreach (var (name, run) in new[] { ("AdamEpsilon", epsilon), ("AdamBeta1", beta1), ("AdamBeta2", beta2) })
        {
            var same = SameTensors(defaults, run);
            Assert.IsTrue(same.Values.Count(s => !s) > same.Count / 2, $"{name} changed {same.Values.Count(s => !s)} of {same.Count} tensors");
        }
    }

    [TestMethod]
    public void ScheduleShapesTheLearningRate()
    {
        const long steps = 4;
        using var linear = Train(steps);
        using var cosine = Train(steps, o => o.Schedule = LearningRateScheduleKind.Cosine);
        double lr = TinyTraining.Options(Tokenizer).LearningRate;
        // HF's schedules without warm-up, step k using the rate of scheduler step k − 1.
        for (int k = 1; k <= steps; k++)
        {
            double progress = (k - 1) / (double)steps;
            Assert.AreEqual(lr * (1 - progress), linear.Metrics!.TrainLog.Single(e => e.Step == k).LearningRate, 1e-12, $"linear, step {k}");
            Assert.AreEqual(lr * 0.5 * (1 + Math.Cos(Math.PI * progress)), cosine.Metrics!.TrainLog.Single(e => e.Step == k).LearningRate, 1e-12, $"cosine, step {k}");
        }
    }

    [TestMethod]
    public void ShuffleOffChangesWhatTheStepsSee()
    {
        using var shuffled = Train(1);
        using var inOrder = Train(1, o => o.Shuffle = false);
        Assert.IsTrue(SameTensors(shuffled, inOrder).Values.Any(s => !s), "Shuffle = false must change which blocks the first step sees");
    }

    [TestMethod]
    public void DenseHeadIsChosenAndGivesTheSameLosses()
    {
        var messages = new List<string>();
        var ml = new MLContext(seed: 1);
        ml.Log += (_, e) => { if (e.Message.Contains("sparse head")) lock (messages) messages.Add(e.Message); };
        var options = TinyTraining.Options(Tokenizer);
        options.MaxSteps = 2;
        options.LoggingSteps = 1;
        options.SparseHead = false;
        using var dense = ml.MaskedLanguageModeling().Trainer(options).Fit(s_train);
        using var sparse = Train(2, o => o.WarmupSteps = options.WarmupSteps);
        Assert.IsTrue(messages.Any(m => m.Contains("sparse head off")), string.Join("\n", messages));
        // The same loss either way (the sparse head is an optimisation, not another model).
        for (int i = 0; i < 2; i++)
            HfParity.AssertRelative(dense.Metrics!.TrainLog[i].Loss, sparse.Metrics!.TrainLog[i].Loss, $"step {i + 1} loss, dense vs sparse head");
    }

    [TestMethod]
    public void EvaluateBeforeTrainingCanBeTurnedOff()
    {
        using var with = Train(2, o => o.EvaluationData = s_eval);
        using var without = Train(2, o => { o.EvaluationData = s_eval; o.EvaluateBeforeTraining = false; });
        Assert.AreEqual(0L, with.Metrics!.Evaluations[0].Step, "by default the history starts with the untrained model");
        Assert.IsTrue(without.Metrics!.Evaluations.All(e => e.Step > 0), string.Join(", ", without.Metrics.Evaluations.Select(e => e.Step)));
    }

    [TestMethod]
    public void SaveStepsZeroWritesOnlyTheFinalCheckpoint()
    {
        using var files = new TempFiles();
        using var final = Train(3, o => { o.CheckpointDirectory = files.PathOf("zero"); o.SaveSteps = 0; });
        using var every = Train(3, o => { o.CheckpointDirectory = files.PathOf("one"); o.SaveSteps = 1; });
        CollectionAssert.AreEqual(new[] { "checkpoint-3" }, Directory.GetDirectories(files.PathOf("zero")).Select(Path.GetFileName).ToArray());
        Assert.AreEqual(3, Directory.GetDirectories(files.PathOf("one"), "checkpoint-*").Length, "the control: SaveSteps = 1 writes one per step");
    }

    /// <summary>Rows of HF's reference: the ids it scored and its labels.</summary>
    private sealed class LabelledRow
    {
        [ColumnName("input_ids")]
        public int[] InputIds { get; set; } = [];

        [ColumnName("labels")]
        public int[] Labels { get; set; } = [];
    }

    /// <summary>The evaluation loss against Hugging Face's own <c>loss</c> for the same ids and labels (hf-reference).</summary>
    [TestMethod]
    [DataRow("tiny-a")]
    [DataRow("tiny-b")]
    public void EvaluationLossIsHuggingFacesLoss(string checkpoint)
    {
        var cases = HfReference.Cases(checkpoint).Where(c => c.Labels is not null && c.Loss is not null).ToList();
        Assert.IsTrue(cases.Count > 0, $"{checkpoint}: the reference has no labelled cases");
        var ml = new MLContext(seed: 0);
        var rows = cases.Select(c => new LabelledRow { InputIds = c.InputIds.Select(x => (int)x).ToArray(), Labels = c.Labels!.Select(x => (int)x).ToArray() }).ToList();
        using var model = ml.MaskedLanguageModeling().FillMask(HfReference.CheckpointDir(checkpoint))
            .Fit(ml.Data.LoadFromEnumerable(new[] { new FillMaskInput { Text = "a <mask>" } }));
        // HF's loss is the mean over each case's labelled tokens; over all cases it is the mean weighted by their counts.
        double total = cases.Sum(c => c.Loss!.Value * c.Labels!.Count(l => l != RobertaForMaskedLM.IgnoreIndex));
        long labelled = cases.Sum(c => (long)c.Labels!.Count(l => l != RobertaForMaskedLM.IgnoreIndex));
        foreach (int batch in new[] { 1, 4 }) // unpadded, and padded batches of unequal lengths
        {
            var result = MaskedLmEvaluation.Evaluate(model, ml.Data.LoadFromEnumerable(rows), batchSize: batch);
            Assert.AreEqual(labelled, result.MaskedTokens, "every labelled token scored");
            HfParity.AssertRelative(total / labelled, result.Loss, $"{checkpoint} evaluation loss, batch {batch}");
        }
    }
}
