using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMlm.Modeling.Modules;

/// <summary><c>intermediate</c>: widening projection and GELU (erf form, HF's "gelu").</summary>
internal sealed class RobertaIntermediate : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // names follow the checkpoint keys
    internal readonly Linear dense;
#pragma warning restore IDE1006

    public RobertaIntermediate(RobertaConfig config) : base(nameof(RobertaIntermediate))
    {
        dense = nn.Linear(config.HiddenSize, config.IntermediateSize);
        RegisterComponents();
    }

    /// <param name="hidden">[B, T, H].</param>
    /// <returns>[B, T, I].</returns>
    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        // GELU stays in the product's dtype: its result only feeds the next (bfloat16) product, so computing it
        // in float32 would be rounded away again.
        return nn.functional.gelu(Autocast.Linear(dense, hidden)).MoveToOuterDisposeScope();
    }
}
