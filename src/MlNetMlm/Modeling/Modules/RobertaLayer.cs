using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMlm.Modeling.Modules;

/// <summary><c>encoder.layer.N</c>: one post-LayerNorm transformer block.</summary>
internal sealed class RobertaLayer : nn.Module<Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006 // names follow the checkpoint keys
    internal readonly RobertaAttention attention;
    internal readonly RobertaIntermediate intermediate;
    internal readonly RobertaOutput output;
#pragma warning restore IDE1006

    public RobertaLayer(RobertaConfig config) : base(nameof(RobertaLayer))
    {
        attention = new RobertaAttention(config);
        intermediate = new RobertaIntermediate(config);
        output = new RobertaOutput(config);
        RegisterComponents();
    }

    /// <param name="hidden">[B, T, H].</param>
    /// <param name="additiveMask">[B, 1, 1, T].</param>
    /// <returns>[B, T, H].</returns>
    public override Tensor forward(Tensor hidden, Tensor additiveMask)
    {
        using var scope = NewDisposeScope();
        var attended = attention.forward(hidden, additiveMask);                      // [B, T, H]
        var widened = intermediate.forward(attended);                                // [B, T, I]
        return output.forward(widened, attended).MoveToOuterDisposeScope();          // [B, T, H]
    }
}
