using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMlm.Modeling.Modules;

/// <summary><c>roberta.encoder</c>: the stack of transformer layers (<c>layer.0</c> … <c>layer.N-1</c>).</summary>
internal sealed class RobertaEncoder : nn.Module<Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006 // names follow the checkpoint keys
    internal readonly ModuleList<RobertaLayer> layer;
#pragma warning restore IDE1006

    public RobertaEncoder(RobertaConfig config) : base(nameof(RobertaEncoder))
    {
        layer = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new RobertaLayer(config)).ToArray());
        RegisterComponents();
    }

    /// <param name="hidden">[B, T, H].</param>
    /// <param name="additiveMask">[B, 1, 1, T].</param>
    /// <returns>[B, T, H].</returns>
    public override Tensor forward(Tensor hidden, Tensor additiveMask)
    {
        using var scope = NewDisposeScope();
        var x = hidden;
        foreach (var block in layer) x = block.forward(x, additiveMask);
        return x.MoveToOuterDisposeScope();
    }
}
