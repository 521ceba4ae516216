using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMlm.Modeling.Modules;

/// <summary><c>output</c>: narrowing projection, dropout, residual, LayerNorm.</summary>
internal sealed class RobertaOutput : nn.Module<Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006 // names follow the checkpoint keys
    internal readonly Linear dense;
    internal readonly LayerNorm LayerNorm;
    internal readonly ParallelDropout dropout;
#pragma warning restore IDE1006

    public RobertaOutput(RobertaConfig config) : base(nameof(RobertaOutput))
    {
        dense = nn.Linear(config.IntermediateSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        dropout = new ParallelDropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    /// <param name="intermediate">[B, T, I].</param>
    /// <param name="residual">[B, T, H] the attention block's result.</param>
    /// <returns>[B, T, H].</returns>
    public override Tensor forward(Tensor intermediate, Tensor residual)
    {
        using var scope = NewDisposeScope();
        var x = dropout.forward(Autocast.Linear(dense, intermediate));
        // The residual is float32, so the sum (and LayerNorm) is float32 whatever the product's dtype.
        return LayerNorm.forward(x + residual).MoveToOuterDisposeScope();
    }
}
