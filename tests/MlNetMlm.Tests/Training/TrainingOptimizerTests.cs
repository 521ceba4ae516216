using MlNetMlm.Modeling;
using MlNetMlm.Tests.Modeling;
using MlNetMlm.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMlm.Tests.Training;

/// <summary>
/// The flat-buffer AdamW step against TorchSharp's own <c>optim.AdamW</c> with <c>clip_grad_norm_</c>
/// (what the trainer ran before): two copies of one model, the same batches, the same hyper-parameters.
/// </summary>
[TestClass]
public sealed class TrainingOptimizerTests
{
    /// <summary>Both paths of the step: the fused CPU pass and the torch operations other devices take.</summary>
    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void FlatStepMatchesTorchSharpsAdamWWithClipping(bool fused)
    {
        bool before = TrainingOptimizer.UseFusedCpuStep;
        TrainingOptimizer.UseFusedCpuStep = fused;
        try { CompareWithTorchSharpsAdamW(); }
        finally { TrainingOptimizer.UseFusedCpuStep = before; }
    }

    private static void CompareWithTorchSharpsAdamW()
    {
        var options = new MaskedLmTrainerOptions
        {
            Config = TinyModels.Micro(), LearningRate = 3e-3, WeightDecay = 0.1, MaxGradNorm = 0.05,
            AdamBeta1 = 0.85, AdamBeta2 = 0.99, AdamEpsilon = 1e-7,
        };
        using var fused = RobertaForMaskedLM.FromScratch(TinyModels.Micro(), seed: 4);
        using var reference = RobertaForMaskedLM.FromScratch(TinyModels.Micro(), seed: 4);
        fused.eval();                                                             // no dropout: the two see the same network
        reference.eval();
        using var step = new MaskedLmTrainingStep(fused, options);
        using var adamW = ReferenceAdamW(reference, options);
        var referenceParameters = reference.parameters().ToList();

        double clippedNorm = 0;
        for (int i = 0; i < 6; i++)
        {
            using var scope = NewDisposeScope();
            var (ids, mask, labels) = SparseHeadTests.Batch(fused.Config, batch: 3, seqLen: 20, seed: 10 + i);
            double lr = options.LearningRate * (1 - i / 10.0);
            float fusedLoss = step.Run(ids, mask, labels, lr)!.Value;

            var loss = reference.ComputeLoss(ids, mask, labels);
            loss.backward();
            clippedNorm = Math.Max(clippedNorm, nn.utils.clip_grad_norm_(referenceParameters, options.MaxGradNorm));
            foreach (var group in adamW.ParamGroups) group.LearningRate = lr;
            adamW.step();
            adamW.zero_grad();
            Assert.AreEqual(loss.item<float>(), fusedLoss, 1e-5, $"loss before step {i + 1}");
        }
        Assert.IsTrue(clippedNorm > options.MaxGradNorm * 2, $"the test must make clipping act (largest norm {clippedNorm})");

        var expected = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var initialModel = RobertaForMaskedLM.FromScratch(TinyModels.Micro(), seed: 4);
        var initial = initialModel.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        double worst = 0;
        foreach (var (name, p) in fused.named_parameters())
        {
            using var scope = NewDisposeScope();
            var want = expected[name];
            double moved = want.sub(initial[name]).abs().max().item<float>();
            double diff = p.sub(want).abs().max().item<float>();
            worst = Math.Max(worst, diff);
            Assert.IsTrue(diff <= 2e-6 + 1e-5 * moved, $"'{name}' differs by {diff:E2} after 6 steps (the steps moved it by up to {moved:E2})");
        }
        Console.WriteLine($"largest parameter difference after 6 steps: {worst:E2}");
    }

    [TestMethod]
    public void ParametersGradientsAndMomentsAreViewsOfOneBufferPerGroup()
    {
        using var model = RobertaForMaskedLM.FromScratch(TinyModels.Micro(), seed: 1);
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        using var optimizer = new TrainingOptimizer(model, new MaskedLmTrainerOptions { Config = TinyModels.Micro() });
        foreach (var (key, value) in model.state_dict())
            Assert.IsTrue(value.eq(before[key]).all().item<bool>(), $"moving '{key}' into the flat buffer changed its values");
        // Writing through a parameter must show in the flat buffer the optimizer steps, and the gradient must be the flat one.
        using (no_grad())
        {
            foreach (var p in model.parameters()) p.fill_(1.0);
        }
        using var scope = NewDisposeScope();
        var (ids, mask, labels) = SparseHeadTests.Batch(model.Config, batch: 2, seqLen: 12, seed: 3);
        model.ComputeLoss(ids, mask, labels).backward();
        var gradients = model.parameters().Select(p => p.grad!.clone()).ToList();
        optimizer.Step(maxGradNorm: 0, learningRate: 0.1);
        int i = 0;
        foreach (var p in model.parameters())
        {
            Assert.IsTrue(p.grad!.eq(0).all().item<bool>(), "the step zeroes the gradient in place");
            bool hadGradient = gradients[i++].abs().max().item<float>() > 0;
            if (hadGradient) Assert.IsFalse(p.eq(1.0f).all().item<bool>(), "a parameter with a gradient was not updated: it is not a view of the flat buffer");
        }
    }

    /// <summary>TorchSharp's AdamW with the trainer's two groups, as the trainer built it before the flat step.</summary>
    private static AdamW ReferenceAdamW(RobertaForMaskedLM model, MaskedLmTrainerOptions o)
    {
        var decay = model.named_parameters().Where(p => !TrainingOptimizer.IsDecayExempt(p.name)).Select(p => p.parameter).ToList();
        var noDecay = model.named_parameters().Where(p => TrainingOptimizer.IsDecayExempt(p.name)).Select(p => p.parameter).ToList();
        return optim.AdamW(
            [
                new AdamW.ParamGroup(decay, o.LearningRate, o.AdamBeta1, o.AdamBeta2, o.AdamEpsilon, o.WeightDecay),
                new AdamW.ParamGroup(noDecay, o.LearningRate, o.AdamBeta1, o.AdamBeta2, o.AdamEpsilon, 0.0),
            ], o.LearningRate, o.AdamBeta1, o.AdamBeta2, o.AdamEpsilon, o.WeightDecay);
    }
}
