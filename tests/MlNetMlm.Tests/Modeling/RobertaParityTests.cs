using MlNetMlm.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMlm.Tests.Modeling;

/// <summary>
/// The model against Hugging Face's own outputs for the reference checkpoints (hf-reference/*.reference.jsonl),
/// in both weight formats. Tolerances are the README's: logits 1e-4 abs, sum/L2 1e-4 relative, top-k ids exact, loss 1e-5.
/// </summary>
[TestClass]
public sealed class RobertaParityTests
{
    private const double LogitTol = 1e-4, LossTol = 1e-5; // relative checks: HfParity.RelativeTolerance (1e-4)

    public static IEnumerable<object[]> CheckpointsAndFormats =>
        from name in HfReference.Checkpoints
        from file in new[] { RobertaCheckpoint.SafetensorsFileName, RobertaCheckpoint.PytorchFile }
        select new object[] { name, file };

    [TestMethod]
    [DynamicData(nameof(CheckpointsAndFormats))]
    public void MaskLogitsAndLossMatchHuggingFace(string name, string weightsFile)
    {
        var cases = HfReference.Cases(name);
        using var dir = HfReference.SingleFormatCopy(name, weightsFile);
        var notes = new List<string>();
        using var model = RobertaForMaskedLM.FromPretrained(dir.Path, notes.Add);
        foreach (var n in notes) Console.WriteLine(n);
        Assert.IsFalse(model.training, "FromPretrained must return the model in eval mode");

        double maxLogitDiff = 0, maxLossDiff = 0;
        using var noGrad = no_grad();
        foreach (var c in cases)
        {
            using var scope = NewDisposeScope();
            var ids = tensor(c.InputIds, 1, c.InputIds.Length);
            var logits = model.forward(ids, null)[0].to(ScalarType.Float64);         // [T, V]
            string what = $"{name}/{weightsFile} \"{c.Text}\"";

            HfParity.AssertRelative(c.SequenceSum, logits.sum().item<double>(), $"{what}: sequence logits sum");
            HfParity.AssertRelative(c.SequenceL2, logits.norm().item<double>(), $"{what}: sequence logits L2");
            foreach (var m in c.Masks)
            {
                var row = logits[m.Position];                                          // [V]
                double[] first20 = row[..m.First20.Length].data<double>().ToArray();
                HfParity.AssertLists(m.First20, first20, $"{what}: mask @{m.Position} first logits", (hf, ours, at) =>
                {
                    // Logits sit near 0, so an absolute tolerance is the meaningful one here.
                    maxLogitDiff = Math.Max(maxLogitDiff, Math.Abs(ours - hf));
                    Assert.AreEqual(hf, ours, LogitTol, at);
                });
                double max = row.max().item<double>();
                maxLogitDiff = Math.Max(maxLogitDiff, Math.Abs(max - m.Max));
                Assert.AreEqual(m.Max, max, LogitTol, $"{what}: mask @{m.Position} max logit");
                HfParity.AssertRelative(m.Sum, row.sum().item<double>(), $"{what}: mask @{m.Position} sum");
                HfParity.AssertRelative(m.L2, row.norm().item<double>(), $"{what}: mask @{m.Position} L2");
                Assert.AreEqual(m.Argmax, row.argmax().item<long>(), $"{what}: mask @{m.Position} argmax");
                long[] top = row.topk(m.TopK.Length).indexes.data<long>().ToArray();
                HfParity.AssertLists(m.TopK, top, $"{what}: mask @{m.Position} top-k ids", (hf, ours, at) => Assert.AreEqual(hf, ours, at));
            }

            if (c.Labels is not null && c.Loss is double hfLoss)
            {
                var labels = tensor(c.Labels, 1, c.Labels.Length);
                foreach (bool sparse in new[] { false, true })
                {
                    double loss = model.ComputeLoss(ids, null, labels, sparseHead: sparse).item<float>();
                    maxLossDiff = Math.Max(maxLossDiff, Math.Abs(loss - hfLoss));
                    Assert.AreEqual(hfLoss, loss, LossTol, $"{what}: MLM loss (sparse head {sparse})");
                }
            }
        }
        Console.WriteLine($"PARITY {name} {weightsFile}: max |logit diff| {maxLogitDiff:E2}, max |loss diff| {maxLossDiff:E2} over {cases.Count} inputs");
    }

    /// <summary>HF's two files of one checkpoint hold the same numbers; both readers must agree bit for bit.</summary>
    [TestMethod]
    [DataRow("tiny-a")]
    [DataRow("tiny-b")]
    public void BothWeightFormatsGiveIdenticalTensors(string name)
    {
        using var st = HfReference.SingleFormatCopy(name, RobertaCheckpoint.SafetensorsFileName);
        using var bin = HfReference.SingleFormatCopy(name, RobertaCheckpoint.PytorchFile);
        using var a = RobertaForMaskedLM.FromPretrained(st.Path, _ => { });
        using var b = RobertaForMaskedLM.FromPretrained(bin.Path, _ => { });
        var sb = b.state_dict();
        foreach (var (key, t) in a.state_dict())
            Assert.IsTrue(CheckpointRoundTripTests.Same(t, sb[key]), $"{name}: '{key}' differs between model.safetensors and pytorch_model.bin");
    }

    /// <summary>
    /// All reference inputs in one right-padded batch with an attention mask: padding must change nothing
    /// (position ids skip padding, attention ignores it), so each row still matches HF's unpadded numbers.
    /// </summary>
    [TestMethod]
    public void PaddedBatchMatchesHuggingFace()
    {
        const string name = "tiny-a";
        var cases = HfReference.Cases(name);
        using var model = RobertaForMaskedLM.FromPretrained(HfReference.CheckpointDir(name), _ => { });
        int t = cases.Max(c => c.InputIds.Length);
        long pad = model.Config.PadTokenId;
        var ids = new long[cases.Count * t];
        var mask = new long[cases.Count * t];
        for (int b = 0; b < cases.Count; b++)
            for (int i = 0; i < t; i++)
            {
                bool real = i < cases[b].InputIds.Length;
                ids[b * t + i] = real ? cases[b].InputIds[i] : pad;
                mask[b * t + i] = real ? 1 : 0;
            }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var logits = model.forward(tensor(ids, cases.Count, t), tensor(mask, cases.Count, t)); // [B, T, V]
        double maxDiff = 0;
        for (int b = 0; b < cases.Count; b++)
            foreach (var m in cases[b].Masks)
            {
                double[] first20 = logits[b, m.Position, ..20].to(ScalarType.Float64).data<double>().ToArray();
                for (int i = 0; i < 20; i++) maxDiff = Math.Max(maxDiff, Math.Abs(first20[i] - m.First20[i]));
                Assert.AreEqual(m.Argmax, logits[b, m.Position].argmax().item<long>(), $"padded row {b}: argmax");
            }
        Console.WriteLine($"padded batch of {cases.Count}×{t}: max |logit diff| vs HF {maxDiff:E2}");
        Assert.IsTrue(maxDiff <= LogitTol, $"padded batch: max logit diff {maxDiff}");

        // With no mask given, padding ids are masked automatically.
        var auto = model.forward(tensor(ids, cases.Count, t), null);
        Assert.IsTrue(auto.allclose(logits, rtol: 0, atol: 1e-6), "attention mask inferred from pad ids must equal the explicit mask");
    }
}
