using Microsoft.ML;
using MlNetMlm.Tokenization;
using MlNetMlm.Training;

namespace MlNetMlm.Tests.Training;

/// <summary>The trainer honours its MLContext as ML.NET's trainers do: CancelExecution() stops it, the context's seed seeds it.</summary>
[TestClass]
public sealed class TrainerContextTests
{
    private static readonly RobertaTokenizer Tokenizer = RobertaTokenizer.Default;
    private static readonly Lazy<IDataView> Data = new(() =>
    {
        var ml = new MLContext(seed: 1);
        return TinyTraining.Prepared(ml, TinyTraining.Sentences(ml, 120, seed: 4), Tokenizer);
    });

    [TestMethod]
    public void CancelExecutionStopsTrainingBetweenStepsAndWritesACheckpoint()
    {
        var ml = new MLContext(seed: 1);
        string checkpoints = Path.Combine(Path.GetTempPath(), "mlnetmlm-tests", Guid.NewGuid().ToString("N"));
        var options = TinyTraining.Options(Tokenizer);
        options.MaxSteps = 20;
        options.CheckpointDirectory = checkpoints;
        options.SaveSteps = 100;
        long lastStep = 0;
        options.Progress = new Reporter(p =>
        {
            if (p.IsEvaluation) return;
            lastStep = p.Step;
            if (p.Step == 3) CancelExecution(ml);
        });
        try
        {
            var e = Assert.ThrowsExactly<OperationCanceledException>(() => ml.MaskedLanguageModeling().Trainer(options).Fit(Data.Value));
            StringAssert.Contains(e.Message, "training cancelled at step 3");
            Assert.AreEqual(3, lastStep, "no step after the cancellation");
            Assert.IsTrue(Directory.Exists(Path.Combine(checkpoints, "checkpoint-3")), "cancelling writes a checkpoint to resume from");
        }
        finally
        {
            if (Directory.Exists(checkpoints)) Directory.Delete(checkpoints, true);
        }
    }

    /// <summary>
    /// <c>MLContext.CancelExecution()</c> is internal to ML.NET (AutoML and ML.NET's own hosts call it); the test
    /// reaches it by reflection, as the public API has no call for it.
    /// </summary>
    private static void CancelExecution(MLContext ml)
    {
        typeof(MLContext).GetMethod("CancelExecution", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.Invoke(ml, null);
    }

    private static float[] WeightsAfterOneStep(MLContext ml, int? seed)
    {
        var options = new MaskedLmTrainerOptions { Config = TinyTraining.TinyConfig(), Tokenizer = Tokenizer, MaxSteps = 1, BatchSize = 4, Device = "cpu" };
        if (seed is int s) options.Seed = s;
        using var model = ml.MaskedLanguageModeling().Trainer(options).Fit(Data.Value);
        return model.Model.state_dict()["lm_head.dense.weight"].data<float>().ToArray();
    }

    [TestMethod]
    public void TheContextsSeedSeedsTrainingWhenTheOptionsGiveNone()
    {
        var five = WeightsAfterOneStep(new MLContext(seed: 5), seed: null);
        CollectionAssert.AreEqual(five, WeightsAfterOneStep(new MLContext(seed: 5), seed: null), "the same context seed, the same run");
        CollectionAssert.AreNotEqual(five, WeightsAfterOneStep(new MLContext(seed: 6), seed: null), "another context seed, another initialisation");
        CollectionAssert.AreEqual(five, WeightsAfterOneStep(new MLContext(), seed: 5), "the context seed acts as Seed = 5");
        CollectionAssert.AreEqual(WeightsAfterOneStep(new MLContext(), seed: 9), WeightsAfterOneStep(new MLContext(seed: 5), seed: 9), "an explicit Seed wins");
        CollectionAssert.AreEqual(WeightsAfterOneStep(new MLContext(), seed: 42), WeightsAfterOneStep(new MLContext(), seed: null), "no seed anywhere: 42");
    }

    private sealed class Reporter(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
