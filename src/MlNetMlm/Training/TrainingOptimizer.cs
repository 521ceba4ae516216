using MlNetMlm.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMlm.Training;

/// <summary>
/// The optimizer half of a training step, shared by <see cref="MaskedLmTrainer"/> and the
/// <c>mlnet-mlm bench train</c> command so that the benchmark measures exactly what training does.
/// </summary>
internal static class TrainingOptimizer
{
    /// <summary>Whether a parameter is exempt from weight decay (biases and LayerNorm weights, as HF).</summary>
    public static bool IsDecayExempt(string name) =>
        name.EndsWith(".bias", StringComparison.Ordinal) || name == "lm_head.bias"
        || name.Contains("LayerNorm", StringComparison.Ordinal) || name.Contains("layer_norm", StringComparison.Ordinal);

    /// <summary>AdamW with two groups: weights decay; biases and LayerNorm weights do not (as HF).</summary>
    public static AdamW Create(RobertaForMaskedLM model, MaskedLmTrainerOptions o)
    {
        var decay = new List<Parameter>();
        var noDecay = new List<Parameter>();
        foreach (var (name, p) in model.named_parameters())
            (IsDecayExempt(name) ? noDecay : decay).Add(p);
        var groups = new List<AdamW.ParamGroup>
        {
            new(decay, o.LearningRate, o.AdamBeta1, o.AdamBeta2, o.AdamEpsilon, o.WeightDecay, false, false),
            new(noDecay, o.LearningRate, o.AdamBeta1, o.AdamBeta2, o.AdamEpsilon, 0.0, false, false),
        };
        return optim.AdamW(groups, o.LearningRate, o.AdamBeta1, o.AdamBeta2, o.AdamEpsilon, o.WeightDecay, false, false);
    }

    /// <summary>After the backward pass(es): clip the gradient norm (when <paramref name="maxGradNorm"/> &gt; 0), set the rate, step, clear the gradients.</summary>
    public static void Step(AdamW optimizer, IReadOnlyList<Parameter> parameters, double maxGradNorm, double learningRate)
    {
        using var scope = NewDisposeScope();
        if (maxGradNorm > 0) nn.utils.clip_grad_norm_(parameters, maxGradNorm);
        foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;
        optimizer.step();
        optimizer.zero_grad();
    }
}
