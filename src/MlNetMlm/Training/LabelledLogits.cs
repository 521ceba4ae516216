using MlNetMlm.Modeling;
using static TorchSharp.torch;

namespace MlNetMlm.Training;

/// <summary>Vocabulary logits only where they are needed (labelled or masked positions).</summary>
internal static class LabelledLogitsExtensions
{
    /// <summary>Logits [N, V] at the N positions whose label is not -100, and those labels [N].</summary>
    public static (Tensor Logits, Tensor Targets) LabelledLogits(this RobertaForMaskedLM model, Tensor inputIds, Tensor attentionMask, Tensor labels)
    {
        var flatLabels = labels.reshape(-1);                                          // [B·T]
        var picked = flatLabels.ne(RobertaForMaskedLM.IgnoreIndex).nonzero().squeeze(1); // [N]
        return (model.LogitsAt(inputIds, attentionMask, picked), flatLabels.index_select(0, picked));
    }

    /// <summary>Logits [N, V] at the given flat positions (index into B·T) of the batch.</summary>
    public static Tensor LogitsAt(this RobertaForMaskedLM model, Tensor inputIds, Tensor? attentionMask, Tensor flatPositions)
    {
        var hidden = model.Encode(inputIds, attentionMask);                           // [B, T, H]
        var flat = hidden.reshape(-1, model.Config.HiddenSize);                        // [B·T, H]
        return model.lm_head.forward(flat.index_select(0, flatPositions));             // [N, V]
    }
}
