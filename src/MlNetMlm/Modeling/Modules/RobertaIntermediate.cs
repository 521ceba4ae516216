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
        return nn.functional.gelu(dense.forward(hidden)).MoveToOuterDisposeScope();
    }
}
