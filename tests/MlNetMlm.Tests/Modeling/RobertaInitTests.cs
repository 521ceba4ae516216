using MlNetMlm.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMlm.Tests.Modeling;

[TestClass]
public sealed class RobertaInitTests
{
    /// <summary>HF's init: weights N(0, initializer_range), biases 0, LayerNorm 1/0, padding rows 0; seeded.</summary>
    [TestMethod]
    public void FromScratchFollowsHuggingFaceInit()
    {
        var config = new RobertaConfig
        {
            VocabSize = 3000, HiddenSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 256,
            MaxPositionEmbeddings = 130, TypeVocabSize = 1, LayerNormEps = 1e-5, InitializerRange = 0.02,
        };
        using var model = RobertaForMaskedLM.FromScratch(config, seed: 7);
        using var scope = NewDisposeScope();
        foreach (var (key, p) in model.state_dict())
        {
            if (key.EndsWith("LayerNorm.weight") || key.EndsWith("layer_norm.weight"))
                Assert.IsTrue(p.eq(1).all().item<bool>(), $"{key} must be ones");
            else if (key.EndsWith(".bias") || key == "lm_head.bias")
                Assert.IsTrue(p.eq(0).all().item<bool>(), $"{key} must be zeros");
            else
            {
                // Weights of Linear/Embedding: N(0, 0.02). From n draws the sample mean has standard error σ/√n and the
                // sample std σ/√(2n); both are allowed 6 standard errors (a false alarm about once in 10⁹ per check):
                // about 1 % of σ for the 2,998×64 word table, 6 % for a 64×64 layer, 53 % for the 1×64 token_type row.
                var w = key.Contains("embeddings") ? p[(p.shape[0] > 2 ? 2 : 0)..] : p;  // skip padding rows of the tables
                double n = w.numel(), sigma = config.InitializerRange;
                double mean = w.mean().item<float>(), std = w.std().item<float>();
                Assert.AreEqual(0.0, mean, 6 * sigma / Math.Sqrt(n), $"{key} mean over {n} values");
                Assert.AreEqual(sigma, std, 6 * sigma / Math.Sqrt(2 * n), $"{key} std over {n} values");
            }
        }
        Assert.IsTrue(model.state_dict()["roberta.embeddings.word_embeddings.weight"][config.PadTokenId].eq(0).all().item<bool>(), "word padding row");
        Assert.IsTrue(model.state_dict()["roberta.embeddings.position_embeddings.weight"][config.PadTokenId].eq(0).all().item<bool>(), "position padding row");

        using var same = RobertaForMaskedLM.FromScratch(config, seed: 7);
        using var other = RobertaForMaskedLM.FromScratch(config, seed: 8);
        string k = "roberta.encoder.layer.1.attention.self.query.weight";
        Assert.IsTrue(CheckpointRoundTripTests.Same(model.state_dict()[k], same.state_dict()[k]), "same seed, same weights");
        Assert.IsFalse(CheckpointRoundTripTests.Same(model.state_dict()[k], other.state_dict()[k]), "another seed, other weights");
    }

    /// <summary>The module tree's state-dict names are exactly the keys of HF's model.safetensors.</summary>
    [TestMethod]
    public void StateDictKeysAreHuggingFaceKeys()
    {
        string dir = HfReference.CheckpointDir("tiny-a");
        var (entries, _, _) = SafetensorsFile.ReadHeader(Path.Combine(dir, RobertaCheckpoint.SafetensorsFileName));
        using var model = new RobertaForMaskedLM(RobertaConfig.Load(Path.Combine(dir, "config.json")));
        var ours = model.state_dict();
        CollectionAssert.AreEquivalent(entries.Select(e => e.Name).ToList(), ours.Keys.ToList());
        foreach (var e in entries) CollectionAssert.AreEqual(e.Shape, ours[e.Name].shape, e.Name);
        // Each tensor once: the tied decoder weight is not a second parameter.
        Assert.AreEqual(ours.Count, model.parameters().Count());
    }

    /// <summary>Dropout (hidden and attention) acts in training mode only.</summary>
    [TestMethod]
    public void DropoutOnlyInTraining()
    {
        using var model = RobertaForMaskedLM.FromScratch(TinyModels.Micro(dropout: 0.3), seed: 4);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 0, 5, 6, 7, 8, 9, 2 }, 1, 7);
        model.eval();
        Assert.IsTrue(model.forward(ids, null).equal(model.forward(ids, null)).all().item<bool>(), "eval is deterministic");
        model.train();
        Assert.IsFalse(model.forward(ids, null).allclose(model.forward(ids, null)), "training applies dropout");
    }

    [TestMethod]
    public void DistilRobertaShapeHasItsParameterCount()
    {
        var c = RobertaConfig.DistilRobertaBase();
        Assert.AreEqual((6, 768, 12, 3072, 50265, 514), (c.NumHiddenLayers, c.HiddenSize, c.NumAttentionHeads, c.IntermediateSize, c.VocabSize, c.MaxPositionEmbeddings));
        using var model = new RobertaForMaskedLM(c);
        long count = model.parameters().Sum(p => p.numel());
        // embeddings 50265·768 + 514·768 + 768 + 2·768 = 39,000,576; per layer 4·(768²+768) + 2·(768·3072) + 3072 + 768 + 2·1536
        // = 7,087,872 (×6); lm_head 768²+768 + 2·768 + 50265 = 642,393. The tied decoder counts once, there is no pooler.
        Assert.AreEqual(82_170_201L, count);
    }
}
