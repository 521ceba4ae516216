using Microsoft.ML.Data;
using MlNetMlm.DataView;

namespace MlNetMlm.FillMask;

/// <summary>Input row for <c>PredictionEngine</c>: a text with one or more <c>&lt;mask&gt;</c>.</summary>
public sealed class FillMaskInput
{
    /// <summary>The text, in the column <see cref="ColumnNames.Text"/> (<c>text</c>).</summary>
    [ColumnName(ColumnNames.Text)]
    public string Text { get; set; } = "";
}

/// <summary>
/// Output row for <c>PredictionEngine</c>. The vectors hold <see cref="MaskCount"/> groups of TopK
/// candidates, first mask first; <see cref="Candidates"/> regroups them.
/// </summary>
public sealed class FillMaskPrediction
{
    public string[] Tokens { get; set; } = [];

    public int[] TokenIds { get; set; } = [];

    public float[] Scores { get; set; } = [];

    public string[] Sequences { get; set; } = [];

    public int MaskCount { get; set; }

    /// <summary>The candidates of mask <paramref name="mask"/> (0-based), best first.</summary>
    public IReadOnlyList<FillMaskCandidate> Candidates(int mask = 0)
    {
        if (MaskCount <= 0) return [];
        ArgumentOutOfRangeException.ThrowIfNegative(mask);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(mask, MaskCount);
        int k = Scores.Length / MaskCount;
        return Enumerable.Range(mask * k, k).Select(i => new FillMaskCandidate(Scores[i], TokenIds[i], Tokens[i], Sequences[i])).ToList();
    }
}
