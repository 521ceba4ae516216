using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMlm.Modeling.Modules;

/// <summary>
/// <c>lm_head</c>: dense, GELU, layer_norm, then the decoder, whose weight is the word-embedding
/// table (tied, as in HF) and whose bias is <c>lm_head.bias</c>. The decoder therefore owns no
/// parameters: HF's <c>lm_head.decoder.weight</c>/<c>.bias</c> keys are views of those two tensors.
/// </summary>
internal sealed class RobertaLMHead : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // names follow the checkpoint keys
    internal readonly Linear dense;
    internal readonly LayerNorm layer_norm;
    internal readonly Parameter bias;
#pragma warning restore IDE1006

    // The tied weight belongs to roberta.embeddings.word_embeddings. It is fetched through a delegate
    // because TorchSharp registers every Parameter-typed field it finds (a second registration would put
    // it in the state dict twice and hand the optimizer the same tensor twice), and because module.to()
    // replaces Parameter objects, so a stored reference would silently untie after a dtype or device move.
    private readonly Func<Tensor> _decoderWeight;

    /// <param name="config">The model's hyper-parameters.</param>
    /// <param name="wordEmbeddingWeight">Returns the current word-embedding table [V, H], used as the decoder weight.</param>
    public RobertaLMHead(RobertaConfig config, Func<Tensor> wordEmbeddingWeight) : base(nameof(RobertaLMHead))
    {
        dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        layer_norm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        bias = nn.Parameter(zeros(config.VocabSize));
        _decoderWeight = wordEmbeddingWeight;
        RegisterComponents();
    }

    /// <param name="hidden">[..., H] hidden states (all positions, or only the labelled ones).</param>
    /// <returns>[..., V] vocabulary logits.</returns>
    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        // GELU and layer_norm in float32 (their result is the decoder's input, not rounded by a product first).
        var x = layer_norm.forward(nn.functional.gelu(Autocast.Float(Autocast.Linear(dense, hidden)))); // [..., H]
        var logits = Autocast.Linear(x, _decoderWeight(), bias);                                          // [..., V]
        return Autocast.Float(logits).MoveToOuterDisposeScope();                      // softmax and loss in float32
    }
}
