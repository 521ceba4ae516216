using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMlm.Modeling.Modules;

/// <summary><c>attention.output</c>: projection, dropout, residual, LayerNorm.</summary>
internal sealed class RobertaSelfOutput : nn.Module<Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006 // names follow the checkpoint keys
    internal readonly Linear dense;
    internal readonly LayerNorm LayerNorm;
    internal readonly ParallelDropout dropout;
#pragma warning restore IDE1006

    public RobertaSelfOutput(RobertaConfig config) : base(nameof(RobertaSelfOutput))
    {
        dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        dropout = new ParallelDropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    /// <param name="context">[B, T, H] attention result.</param>
    /// <param name="residual">[B, T, H] the layer's input.</param>
    /// <returns>[B, T, H].</returns>
    public override Tensor forward(Tensor context, Tensor residual)
    {
        using var scope = NewDisposeScope();
        var x = dropout.forward(Autocast.Linear(dense, context));
        // The residual is float32, so the sum (and LayerNorm) is float32 whatever the product's dtype.
        return LayerNorm.forward(x + residual).MoveToOuterDisposeScope();
    }
}
