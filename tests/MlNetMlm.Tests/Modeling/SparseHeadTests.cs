using MlNetMlm.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMlm.Tests.Modeling;

/// <summary>The sparse MLM head (vocabulary projection only at labelled positions) against the dense one.</summary>
[TestClass]
public sealed class SparseHeadTests
{
    /// <summary>Same loss and the same gradient for every parameter, on a padded batch with ~15 % labelled positions.</summary>
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void SparseAndDenseGiveSameLossAndGradients(bool fromReferenceCheckpoint)
    {
        using var model = fromReferenceCheckpoint
            ? RobertaForMaskedLM.FromPretrained(HfReference.CheckpointDir("tiny-b"), _ => { })
            : RobertaForMaskedLM.FromScratch(TinyModels.Micro(), seed: 21);
        model.eval();                                                             // dropout off: both passes see the same network
        using var scope = NewDisposeScope();
        var (ids, mask, labels) = Batch(model.Config, batch: 4, seqLen: 24, seed: 5);

        var dense = LossAndGrads(model, ids, mask, labels, sparse: false);
        var sparse = LossAndGrads(model, ids, mask, labels, sparse: true);

        Console.WriteLine($"loss dense {dense.Loss:R} sparse {sparse.Loss:R}");
        Assert.AreEqual(dense.Loss, sparse.Loss, 1e-6, "loss");
        double worst = 0;
        foreach (var (key, g) in dense.Grads)
        {
            var other = sparse.Grads[key];
            double diff = g.sub(other).abs().max().item<float>();
            double scale = Math.Max(g.abs().max().item<float>(), 1e-3);
            worst = Math.Max(worst, diff / scale);
            Assert.IsTrue(diff <= 1e-5 * scale + 1e-7, $"gradient of '{key}' differs by {diff:E2} (largest entry {scale:E2})");
        }
        Console.WriteLine($"largest gradient difference relative to the tensor's largest entry: {worst:E2}");
    }

    [TestMethod]
    public void NoLabelledPositionGivesNaNLikeHuggingFace()
    {
        using var model = RobertaForMaskedLM.FromScratch(TinyModels.Micro(), seed: 2);
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 0, 5, 6, 2 }, 1, 4);
        var labels = full(1, 4, RobertaForMaskedLM.IgnoreIndex, ScalarType.Int64);
        Assert.IsTrue(double.IsNaN(model.ComputeLoss(ids, null, labels, sparseHead: true).item<float>()));
        Assert.IsTrue(double.IsNaN(model.ComputeLoss(ids, null, labels, sparseHead: false).item<float>()));
    }

    private static (double Loss, Dictionary<string, Tensor> Grads) LossAndGrads(RobertaForMaskedLM model, Tensor ids, Tensor mask, Tensor labels, bool sparse)
    {
        model.zero_grad();
        var loss = model.ComputeLoss(ids, mask, labels, sparseHead: sparse);
        loss.backward();
        var grads = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        return (loss.item<float>(), grads);
    }

    /// <summary>Random ids with right padding in some rows and about 15 % of the real tokens labelled.</summary>
    internal static (Tensor Ids, Tensor Mask, Tensor Labels) Batch(RobertaConfig config, int batch, int seqLen, long seed)
    {
        var rng = new Random((int)seed);
        var ids = new long[batch * seqLen];
        var mask = new long[batch * seqLen];
        var labels = new long[batch * seqLen];
        for (int b = 0; b < batch; b++)
        {
            int length = b % 2 == 0 ? seqLen : seqLen - 1 - rng.Next(seqLen / 2);
            for (int i = 0; i < seqLen; i++)
            {
                int k = b * seqLen + i;
                bool real = i < length;
                ids[k] = real ? rng.Next(3, config.VocabSize) : config.PadTokenId;
                mask[k] = real ? 1 : 0;
                labels[k] = real && rng.NextDouble() < 0.15 ? rng.Next(3, config.VocabSize) : RobertaForMaskedLM.IgnoreIndex;
            }
            labels[b * seqLen + 1] = rng.Next(3, config.VocabSize);                 // at least one label per row
        }
        return (tensor(ids, batch, seqLen), tensor(mask, batch, seqLen), tensor(labels, batch, seqLen));
    }
}
