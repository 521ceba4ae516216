using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMlm.Modeling.Modules;

/// <summary>
/// <c>roberta.embeddings</c>: word + position + token-type embeddings, then LayerNorm and dropout.
/// Field names are the checkpoint's key names.
/// </summary>
internal sealed class RobertaEmbeddings : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // names follow the checkpoint keys
    internal readonly Embedding word_embeddings;
    internal readonly Embedding position_embeddings;
    internal readonly Embedding token_type_embeddings;
    internal readonly LayerNorm LayerNorm;
    internal readonly ParallelDropout dropout;
#pragma warning restore IDE1006

    private readonly long _paddingIdx;

    public RobertaEmbeddings(RobertaConfig config) : base(nameof(RobertaEmbeddings))
    {
        _paddingIdx = config.PadTokenId;
        // As in HF, the padding rows of the word and position tables get no gradient.
        word_embeddings = nn.Embedding(config.VocabSize, config.HiddenSize, padding_idx: config.PadTokenId);
        position_embeddings = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize, padding_idx: config.PadTokenId);
        token_type_embeddings = nn.Embedding(config.TypeVocabSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        dropout = new ParallelDropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    /// <summary>The tied decoder weight of the LM head [V, H].</summary>
    internal Parameter WordEmbeddingWeight => word_embeddings.weight!;

    /// <param name="inputIds">[B, T] int64.</param>
    /// <returns>[B, T, H].</returns>
    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var positionIds = PositionIds(inputIds, _paddingIdx);                       // [B, T]
        // RoBERTa has a single token type; HF feeds zeros when no token_type_ids are given.
        var tokenTypeIds = zeros_like(inputIds);                                     // [B, T]
        var x = word_embeddings.forward(inputIds)                                    // [B, T, H]
              + token_type_embeddings.forward(tokenTypeIds)
              + position_embeddings.forward(positionIds);
        x = dropout.forward(LayerNorm.forward(x));
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// RoBERTa's position ids: real tokens count up from <c>padding_idx + 1</c>, padding tokens
    /// keep <c>padding_idx</c> (HF's <c>create_position_ids_from_input_ids</c>).
    /// </summary>
    internal static Tensor PositionIds(Tensor inputIds, long paddingIdx)
    {
        using var scope = NewDisposeScope();
        var notPad = inputIds.ne(paddingIdx).to(ScalarType.Int64);                  // [B, T] 1 = token
        var positions = notPad.cumsum(1, ScalarType.Int64) * notPad + paddingIdx;  // [B, T]
        return positions.MoveToOuterDisposeScope();
    }
}
