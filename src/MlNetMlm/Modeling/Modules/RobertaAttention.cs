using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMlm.Modeling.Modules;

/// <summary><c>attention</c>: self-attention followed by its output block.</summary>
internal sealed class RobertaAttention : nn.Module<Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006 // names follow the checkpoint keys
    internal readonly RobertaSelfAttention self;
    internal readonly RobertaSelfOutput output;
#pragma warning restore IDE1006

    public RobertaAttention(RobertaConfig config) : base(nameof(RobertaAttention))
    {
        self = new RobertaSelfAttention(config);
        output = new RobertaSelfOutput(config);
        RegisterComponents();
    }

    /// <param name="hidden">[B, T, H].</param>
    /// <param name="additiveMask">[B, 1, 1, T].</param>
    /// <returns>[B, T, H].</returns>
    public override Tensor forward(Tensor hidden, Tensor additiveMask)
    {
        using var scope = NewDisposeScope();
        var context = self.forward(hidden, additiveMask);
        return output.forward(context, hidden).MoveToOuterDisposeScope();
    }
}
