using MlNetMlm.DataView;

namespace MlNetMlm.FillMask;

/// <summary>Options of the fill-mask transformer (<see cref="MaskedLmTransformer"/>).</summary>
public sealed class FillMaskOptions
{
    /// <summary>The input text column; each text holds one or more <c>&lt;mask&gt;</c>. Default <c>text</c> (<see cref="ColumnNames.Text"/>).</summary>
    public string TextColumnName { get; set; } = ColumnNames.Text;

    /// <summary>Candidates returned per mask. Default 5 (as HF's fill-mask pipeline).</summary>
    public int TopK { get; set; } = 5;

    /// <summary>
    /// Restrict candidates to these words (HF's <c>targets</c>): a word that is itself a vocabulary entry
    /// is used as is (so write <c>" spiral"</c> for the word after a space); otherwise its first token.
    /// Null: the whole vocabulary.
    /// </summary>
    public IReadOnlyList<string>? Targets { get; set; }

    /// <summary>
    /// The compute format: <see cref="Modeling.Precision.BFloat16"/> runs the matrix products in bfloat16 on copies
    /// of the float32 weights made at the first prediction (kept, about half the float32 model's memory); the
    /// scores (softmax) are float32 either way. A run-time choice, like the device: the model zip does not store it.
    /// Default <see cref="Modeling.Precision.Float32"/>.
    /// </summary>
    public Modeling.Precision Precision { get; set; } = Modeling.Precision.Float32;

    /// <summary>Output column of candidate token strings (mask by mask, TopK each). Default <c>Tokens</c>.</summary>
    public string TokensColumnName { get; set; } = "Tokens";

    /// <summary>Output column of candidate token ids. Default <c>TokenIds</c>.</summary>
    public string TokenIdsColumnName { get; set; } = "TokenIds";

    /// <summary>Output column of candidate probabilities (softmax over the vocabulary). Default <c>Scores</c>.</summary>
    public string ScoresColumnName { get; set; } = "Scores";

    /// <summary>Output column of the input text with the mask filled by each candidate. Default <c>Sequences</c>.</summary>
    public string SequencesColumnName { get; set; } = "Sequences";

    /// <summary>Output column holding the number of masks in the text. Default <c>MaskCount</c>.</summary>
    public string MaskCountColumnName { get; set; } = "MaskCount";

    internal FillMaskOptions Clone() => (FillMaskOptions)MemberwiseClone();
}
