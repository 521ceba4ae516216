using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMlm.Modeling.Modules;

/// <summary><c>attention.self</c>: multi-head scaled dot-product attention over the whole sequence.</summary>
internal sealed class RobertaSelfAttention : nn.Module<Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006 // names follow the checkpoint keys
    internal readonly Linear query;
    internal readonly Linear key;
    internal readonly Linear value;
    internal readonly ParallelDropout dropout;
#pragma warning restore IDE1006

    private readonly int _heads;
    private readonly int _headSize;

    public RobertaSelfAttention(RobertaConfig config) : base(nameof(RobertaSelfAttention))
    {
        _heads = config.NumAttentionHeads;
        _headSize = config.HeadSize;
        query = nn.Linear(config.HiddenSize, config.HiddenSize);
        key = nn.Linear(config.HiddenSize, config.HiddenSize);
        value = nn.Linear(config.HiddenSize, config.HiddenSize);
        dropout = new ParallelDropout(config.AttentionProbsDropoutProb);
        RegisterComponents();
    }

    /// <param name="hidden">[B, T, H].</param>
    /// <param name="additiveMask">[B, 1, 1, T]: 0 for tokens, a large negative number for padding.</param>
    /// <returns>[B, T, H].</returns>
    public override Tensor forward(Tensor hidden, Tensor additiveMask)
    {
        using var scope = NewDisposeScope();
        long b = hidden.shape[0], t = hidden.shape[1];
        var x = Autocast.Input(hidden);                                                // cast once for Q, K and V
        var q = SplitHeads(Autocast.Linear(query, x), b, t);                           // [B, nh, T, hs]
        var k = SplitHeads(Autocast.Linear(key, x), b, t);
        var v = SplitHeads(Autocast.Linear(value, x), b, t);
        Tensor context;                                                                 // [B, nh, T, hs]
        if (training && dropout.Probability > 0 && hidden.device_type == DeviceType.CPU)
        {
            // HF's eager attention, written out: torch's fused CPU kernel does no dropout, and its fallback
            // recomputes in float32 and draws the mask on one thread (bench/README.md). Products in the
            // compute dtype; scores, softmax and dropout in float32.
            var scores = Autocast.Float(matmul(q, k.transpose(-1, -2)));               // [B, nh, T, T]
            scores.div_(Math.Sqrt(_headSize)).add_(additiveMask);
            var probs = dropout.forward(scores.softmax(-1));
            context = matmul(Autocast.Input(probs), v);
        }
        else
        {
            // The fused kernel computes softmax(q·kᵀ/√hs + mask)·v, the same as HF's eager path (checked against
            // HF's logits in the parity tests); in bfloat16 it accumulates the softmax in float32 itself.
            // On a GPU its kernels apply the dropout too.
            context = nn.functional.scaled_dot_product_attention(
                q, k, v, attn_mask: additiveMask, p: training ? dropout.Probability : 0.0);
        }
        var merged = context.transpose(1, 2).reshape(b, t, _heads * _headSize);        // [B, T, H]
        return merged.MoveToOuterDisposeScope();
    }

    private Tensor SplitHeads(Tensor x, long b, long t) => x.view(b, t, _heads, _headSize).transpose(1, 2);
}
