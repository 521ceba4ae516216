using MlNetMlm.Modeling;
using MlNetMlm.Modeling.Modules;
using static TorchSharp.torch;

namespace MlNetMlm.Tests.Modeling;

/// <summary>
/// The parallel dropout mask and the written-out attention that uses it in training: the mask's statistics and
/// scale, its reproducibility from torch's seed, and attention equal to the fused kernel when nothing is dropped.
/// </summary>
[TestClass]
public sealed class DropoutTests
{
    [TestMethod]
    [DataRow(0.1)]
    [DataRow(0.37)]
    public void MaskDropsAboutPAndScalesTheRest(double p)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(11);
        var mask = ParallelDropout.Mask([3, 1000, 1001], p);                   // not a multiple of the chunk size
        Assert.AreEqual(ScalarType.Float32, mask.dtype);
        long n = mask.numel();
        double dropped = mask.eq(0).sum().item<long>() / (double)n;
        double sd = Math.Sqrt(p * (1 - p) / n);
        Assert.AreEqual(p, dropped, 6 * sd, $"fraction dropped of {n:N0}");
        var kept = mask.masked_select(mask.ne(0));
        float scale = (float)(1 / (1 - p));
        Assert.IsTrue(kept.eq(scale).all().item<bool>(), "every kept element is scaled by 1/(1-p)");
        // Neighbouring elements come from one 64-bit draw's two halves: they must not be correlated.
        var flat = mask.reshape(-1).eq(0).to(ScalarType.Float32);
        var even = flat[TensorIndex.Slice(0, -1, 2)];
        var odd = flat[TensorIndex.Slice(1, null, 2)];
        double both = (even * odd[TensorIndex.Slice(0, even.shape[0])]).mean().item<float>();
        Assert.AreEqual(p * p, both, 6 * Math.Sqrt(p * p * (1 - p * p) / even.numel()), "pairs dropped together");
    }

    [TestMethod]
    public void MaskFollowsTorchsSeedAndChangesBetweenDraws()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(5);
        var first = ParallelDropout.Mask([200_000], 0.2);
        var second = ParallelDropout.Mask([200_000], 0.2);
        random.manual_seed(5);
        var again = ParallelDropout.Mask([200_000], 0.2);
        Assert.IsTrue(first.eq(again).all().item<bool>(), "the same torch seed gives the same mask (resume restores torch's generator)");
        Assert.IsFalse(first.eq(second).all().item<bool>(), "successive masks differ");
    }

    [TestMethod]
    public void DropoutIsTheIdentityOutsideTrainingAndMultipliesByTheMaskInTraining()
    {
        using var scope = NewDisposeScope();
        using var dropout = new ParallelDropout(0.5);
        var x = randn(64, 33);
        dropout.eval();
        Assert.IsTrue(dropout.forward(x).eq(x).all().item<bool>());
        dropout.train();
        random.manual_seed(3);
        var y = dropout.forward(x);
        random.manual_seed(3);
        var expected = x * ParallelDropout.Mask(x.shape, 0.5);
        Assert.IsTrue(y.eq(expected).all().item<bool>(), "training output is x times the mask drawn from the same generator state");
    }

    /// <summary>
    /// In training with dropout the attention is written out (matmul, float32 softmax, dropout, matmul) instead of
    /// the fused kernel; with a dropout so small that nothing is dropped it must give the fused kernel's numbers.
    /// </summary>
    [TestMethod]
    public void WrittenOutAttentionMatchesTheFusedKernel()
    {
        using var scope = NewDisposeScope();
        var config = TinyModels.Micro(dropout: 1e-12);                          // threshold 0 of 2³²: no element is dropped
        config.HiddenDropoutProb = 0;
        using var model = RobertaForMaskedLM.FromScratch(config, seed: 9);
        var (ids, mask, _) = SparseHeadTests.Batch(config, batch: 3, seqLen: 17, seed: 2);
        mask[0, TensorIndex.Slice(12, null)] = tensor(0L);                     // padding, so the additive mask matters
        using var noGrad = no_grad();
        // At HF's initialisation the scores are tiny and the softmax nearly uniform, which would hide a wrong
        // scale or mask: sharpen them.
        foreach (var (name, p) in model.named_parameters())
            if (name.Contains("attention.self.query.weight") || name.Contains("attention.self.key.weight")) p.mul_(40);
        model.eval();
        var fused = model.forward(ids, mask);
        model.train();
        var written = model.forward(ids, mask);
        double diff = (fused - written).abs().max().item<float>();
        Assert.IsTrue(diff < 1e-5, $"logits differ by {diff:E2}");
        using (Autocast.Enter(Precision.BFloat16))
        {
            model.eval();
            var fusedLow = model.forward(ids, mask);
            model.train();
            var writtenLow = model.forward(ids, mask);
            double lowDiff = (fusedLow - writtenLow).abs().max().item<float>();
            double scale = fusedLow.abs().max().item<float>();
            Assert.IsTrue(lowDiff < 0.02 * scale, $"bf16 logits differ by {lowDiff:E2} (largest {scale:E2})");
        }
    }

    [TestMethod]
    [DataRow("hidden_dropout_prob", 1.5)]
    [DataRow("attention_probs_dropout_prob", -0.1)]
    [DataRow("attention_probs_dropout_prob", double.NaN)]
    public void ConfigRefusesADropoutOutsideZeroToOne(string key, double value)
    {
        var config = TinyModels.Micro();
        if (key == "hidden_dropout_prob") config.HiddenDropoutProb = value;
        else config.AttentionProbsDropoutProb = value;
        var e = Assert.ThrowsExactly<InvalidDataException>(config.Validate);
        StringAssert.Contains(e.Message, key);
        StringAssert.Contains(e.Message, "[0, 1]");
    }
}
