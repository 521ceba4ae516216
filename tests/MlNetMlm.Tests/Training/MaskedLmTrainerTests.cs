using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.FillMask;
using MlNetMlm.Tokenization;
using MlNetMlm.Training;
using TorchSharp;

namespace MlNetMlm.Tests.Training;

[TestClass]
public sealed class MaskedLmTrainerTests
{
    private static readonly RobertaTokenizer Tokenizer = RobertaTokenizer.Default;

    [TestMethod]
    public void FitLowersEvaluationLossAndRecordsMetrics()
    {
        var ml = new MLContext(seed: 1);
        var messages = new List<string>();
        ml.Log += (_, e) => { if (e.Source.StartsWith(MaskedLmTrainer.LogSource, StringComparison.Ordinal)) lock (messages) messages.Add(e.Message); };
        var train = TinyTraining.Prepared(ml, TinyTraining.Sentences(ml, 400, seed: 1), Tokenizer);
        var eval = TinyTraining.Prepared(ml, TinyTraining.Sentences(ml, 80, seed: 2), Tokenizer);
        var reports = new List<TrainingProgress>();
        var options = TinyTraining.Options(Tokenizer, eval);
        options.Progress = new SynchronousProgress<TrainingProgress>(reports.Add);

        using var model = ml.MaskedLanguageModeling().Trainer(options).Fit(train);

        var metrics = model.Metrics!;
        Assert.IsNotNull(metrics.Initial);
        Assert.IsTrue(metrics.Evaluations.Count >= 3, "before training and after each of 2 epochs");
        Console.WriteLine($"eval loss {metrics.Initial!.Loss:F3} → {metrics.Final!.Loss:F3}, perplexity {metrics.Final.Perplexity:F1}, accuracy {metrics.Final.Accuracy:P1}");
        Assert.IsTrue(metrics.Final.Loss < metrics.Initial.Loss - 1.0, $"eval loss should drop clearly: {metrics.Initial.Loss} → {metrics.Final.Loss}");
        Assert.AreEqual(Math.Exp(metrics.Final.Loss), metrics.Final.Perplexity, 1e-9);
        Assert.IsTrue(metrics.Final.Accuracy > metrics.Initial.Accuracy);
        Assert.IsTrue(metrics.TrainLog.Count > 0 && metrics.TotalSteps > 0 && metrics.TokensPerSecond > 0);
        Assert.AreEqual(metrics.TotalSteps, reports.Where(r => !r.IsEvaluation).Max(r => r.Step));
        Assert.IsTrue(messages.Any(m => m.Contains("eval at step")), "progress reaches mlContext.Log through ML.NET's channel");
    }

    [TestMethod]
    public void TrainedPipelineScoresThroughPredictionEngineAndSurvivesSaveLoad()
    {
        var ml = new MLContext(seed: 1);
        var text = TinyTraining.Sentences(ml, 200, seed: 3);
        var options = TinyTraining.Options(Tokenizer);
        options.Epochs = 1;
        var pipeline = ml.Transforms.Text.TokenizeRoberta("input_ids", "text", Tokenizer)
            .Append(ml.Transforms.GroupTexts(blockSize: 32), TransformerScope.Training)
            .Append(ml.Transforms.MaskTokens(TinyTraining.MaskOptions(Tokenizer)), TransformerScope.Training)
            .Append(ml.MaskedLanguageModeling().Trainer(options));
        var model = pipeline.Fit(text);
        var scoring = (TransformerChain<ITransformer>)model.GetModelFor(TransformerScope.Scoring);
        var fillMask = model.LastTransformer;

        var engine = ml.Model.CreatePredictionEngine<FillMaskInput, FillMaskPrediction>(fillMask);
        var before = engine.Predict(new FillMaskInput { Text = "The sun <mask> over the cold sea." });
        Assert.AreEqual(1, before.MaskCount);
        Assert.AreEqual(5, before.Tokens.Length);

        using var files = new TempFiles();
        string zip = files.PathOf("model.zip");
        var schema = ml.Data.LoadFromEnumerable(new[] { new FillMaskInput() }).Schema;
        ml.Model.Save(fillMask, schema, zip);
        var fresh = new MLContext(seed: 5);
        var loaded = fresh.Model.Load(zip, out _);
        var after = fresh.Model.CreatePredictionEngine<FillMaskInput, FillMaskPrediction>(loaded).Predict(new FillMaskInput { Text = "The sun <mask> over the cold sea." });
        CollectionAssert.AreEqual(before.TokenIds, after.TokenIds);
        CollectionAssert.AreEqual(before.Scores, after.Scores);
        CollectionAssert.AreEqual(before.Sequences, after.Sequences);
        Assert.IsInstanceOfType<MaskedLmTransformer>(loaded);
        Assert.AreEqual(fillMask.Metrics!.TotalSteps, ((MaskedLmTransformer)loaded).Metrics!.TotalSteps);

        // The scoring part of the chain (what the README recommends: training-only steps left out) predicts
        // exactly what the trained transformer does: it still ends in the model, and the steps before it pass the text through.
        CollectionAssert.AreEqual(new[] { "RobertaTokenizingTransformer", "MaskedLmTransformer" }, scoring.Select(t => t.GetType().Name).ToArray(),
            "the scoring chain keeps the tokenizer and the model, not GroupTexts or MaskTokens");
        var scoringEngine = ml.Model.CreatePredictionEngine<ScoringInput, FillMaskPrediction>(scoring);
        var throughScoring = scoringEngine.Predict(new ScoringInput("The sun <mask> over the cold sea."));
        CollectionAssert.AreEqual(before.TokenIds, throughScoring.TokenIds);
        CollectionAssert.AreEqual(before.Scores, throughScoring.Scores);

        // The whole fitted chain (with its training-only steps) saves too, and its scoring part, loaded, still scores.
        string chainZip = files.PathOf("chain.zip");
        ml.Model.Save(model, text.Schema, chainZip);
        var chain = (TransformerChain<ITransformer>)fresh.Model.Load(chainZip, out _);
        Assert.AreEqual(4, chain.Count());
        var loadedScoring = chain.GetModelFor(TransformerScope.Scoring);
        var reloaded = fresh.Model.CreatePredictionEngine<ScoringInput, FillMaskPrediction>(loadedScoring).Predict(new ScoringInput("The sun <mask> over the cold sea."));
        CollectionAssert.AreEqual(before.TokenIds, reloaded.TokenIds);
        CollectionAssert.AreEqual(before.Scores, reloaded.Scores);
    }

    [TestMethod]
    public void ResumeAfterInterruptionReachesTheSameWeightsBitForBit()
    {
        var ml = new MLContext(seed: 1);
        var data = TinyTraining.Prepared(ml, TinyTraining.Sentences(ml, 160, seed: 4), Tokenizer);
        MaskedLmTrainerOptions Options(string checkpoints)
        {
            var o = TinyTraining.Options(Tokenizer);
            o.MaxSteps = 14;
            o.GradientAccumulationSteps = 2; // resume must respect accumulation groups
            o.CheckpointDirectory = checkpoints;
            o.SaveSteps = 100;
            return o;
        }

        using var files = new TempFiles();
        string dirA = files.PathOf("a"), dirB = files.PathOf("b");
        using var uninterrupted = ml.MaskedLanguageModeling().Trainer(Options(dirA)).Fit(data);

        using var cancel = new CancellationTokenSource();
        var interrupted = Options(dirB);
        interrupted.CancellationToken = cancel.Token;
        interrupted.Progress = new SynchronousProgress<TrainingProgress>(p => { if (!p.IsEvaluation && p.Step == 6) cancel.Cancel(); });
        Assert.ThrowsExactly<OperationCanceledException>(() => ml.MaskedLanguageModeling().Trainer(interrupted).Fit(data));
        Assert.IsTrue(Directory.Exists(Path.Combine(dirB, "checkpoint-6")), "cancelling writes a checkpoint");
        Assert.IsFalse(MlNetMlm.Interop.NativeHeap.Retaining, "a cancelled run gives back what it held (its native-heap scope among it)");

        var resumed = Options(dirB);
        resumed.ResumeFromCheckpoint = "latest";
        using var continued = ml.MaskedLanguageModeling().Trainer(resumed).Fit(data);

        var a = uninterrupted.Model.state_dict();
        var b = continued.Model.state_dict();
        CollectionAssert.AreEqual(a.Keys.ToList(), b.Keys.ToList());
        foreach (var key in a.Keys)
            Assert.IsTrue(a[key].eq(b[key]).all().item<bool>(), $"'{key}' differs after resume");
        Assert.AreEqual(uninterrupted.Metrics!.TotalSteps, continued.Metrics!.TotalSteps);
        CollectionAssert.AreEqual(uninterrupted.Metrics.TrainLog.Select(e => e.Loss).ToList(), continued.Metrics.TrainLog.Select(e => e.Loss).ToList());
    }

    [TestMethod]
    public void NaNLossStopsTrainingAndKeepsTheLastGoodCheckpoint()
    {
        var ml = new MLContext(seed: 1);
        var data = TinyTraining.Prepared(ml, TinyTraining.Sentences(ml, 160, seed: 5), Tokenizer);
        using var files = new TempFiles();
        string dir = files.PathOf("checkpoints");
        var options = TinyTraining.Options(Tokenizer);
        options.LearningRate = 1e30; // diverges within a few steps
        options.WarmupSteps = 0;
        options.MaxGradNorm = 0;
        options.CheckpointDirectory = dir;
        options.SaveSteps = 1;
        options.SaveTotalLimit = 2;
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.MaskedLanguageModeling().Trainer(options).Fit(data));
        StringAssert.Contains(e.Message, "training loss became");
        var checkpoints = Directory.GetDirectories(dir, "checkpoint-*");
        Assert.IsTrue(checkpoints.Length is >= 1 and <= 2, $"kept {checkpoints.Length} checkpoints");
        StringAssert.Contains(e.Message, "is intact");
        foreach (var checkpoint in checkpoints)
            Assert.IsTrue(File.Exists(Path.Combine(checkpoint, "model.safetensors")) && File.Exists(Path.Combine(checkpoint, "trainer_state.json")));
    }

    [TestMethod]
    public void MissingColumnsAndBadOptionsAreNamed()
    {
        var ml = new MLContext(seed: 1);
        var text = TinyTraining.Sentences(ml, 10, seed: 6);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MaskedLanguageModeling().Trainer(TinyTraining.Options(Tokenizer)).Fit(text));
        StringAssert.Contains(e.Message, "'input_ids' not found");
        StringAssert.Contains(e.Message, "'text'");
        var bad = TinyTraining.Options(Tokenizer);
        bad.BatchSize = 0;
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MaskedLanguageModeling().Trainer(bad)).Message, "BatchSize");
        var none = new MaskedLmTrainerOptions();
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MaskedLanguageModeling().Trainer(none)).Message, "ModelDirectory");
    }

    /// <summary>A row for the whole scoring chain: its first step tokenizes "text", and the model reads "text" too.</summary>
    private sealed class ScoringInput(string value)
    {
        public string text { get; set; } = value;
    }

    /// <summary>IProgress that reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
