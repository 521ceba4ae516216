using MlNetMlm.Modeling;

namespace MlNetMlm.Tests.Modeling;

/// <summary>Small configurations for tests that need a model but not HF's numbers.</summary>
internal static class TinyModels
{
    /// <summary>2 layers, hidden 16, 2 heads, 40 ids, 34 positions: builds and runs in milliseconds.</summary>
    public static RobertaConfig Micro(double dropout = 0.1) => new()
    {
        VocabSize = 40,
        HiddenSize = 16,
        NumHiddenLayers = 2,
        NumAttentionHeads = 2,
        IntermediateSize = 32,
        MaxPositionEmbeddings = 34,
        TypeVocabSize = 1,
        LayerNormEps = 1e-5,
        HiddenDropoutProb = dropout,
        AttentionProbsDropoutProb = dropout,
    };
}
