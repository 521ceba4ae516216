using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMlm.Modeling.Modules;

/// <summary>
/// <c>roberta</c>: embeddings and encoder. The masked LM does not use a pooler, so this module
/// has none (HF builds <c>RobertaModel(add_pooling_layer=False)</c> for <c>RobertaForMaskedLM</c>).
/// </summary>
internal sealed class RobertaModel : nn.Module<Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006 // names follow the checkpoint keys
    internal readonly RobertaEmbeddings embeddings;
    internal readonly RobertaEncoder encoder;
#pragma warning restore IDE1006

    public RobertaModel(RobertaConfig config) : base(nameof(RobertaModel))
    {
        embeddings = new RobertaEmbeddings(config);
        encoder = new RobertaEncoder(config);
        RegisterComponents();
    }

    /// <param name="inputIds">[B, T] int64.</param>
    /// <param name="attentionMask">[B, T], 1 for tokens and 0 for padding.</param>
    /// <returns>[B, T, H] the last layer's hidden states.</returns>
    public override Tensor forward(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var x = embeddings.forward(inputIds);                                        // [B, T, H]
        // HF's extended mask: 0 where attended, the dtype's most negative value at padding.
        // Made in the attention's dtype (a float32 minimum would round to -inf in bfloat16).
        var dtype = Autocast.ProductDtype(x.dtype);
        var keep = attentionMask.to(dtype).unsqueeze(1).unsqueeze(1);                // [B, 1, 1, T]
        var additive = (1.0 - keep) * MostNegative(dtype);
        return encoder.forward(x, additive).MoveToOuterDisposeScope();
    }

    private static double MostNegative(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 => double.MinValue,
        ScalarType.Float16 => -65504.0,
        ScalarType.BFloat16 => -3.3895313892515355e38,
        _ => float.MinValue,
    };
}
