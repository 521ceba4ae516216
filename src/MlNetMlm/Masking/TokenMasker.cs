using MlNetMlm.Modeling;

namespace MlNetMlm.Masking;

/// <summary>
/// The masking rule of one sequence, as <c>DataCollatorForLanguageModeling.torch_mask_tokens</c> applies
/// it: each eligible token (not special, not padding) is chosen with probability p; a chosen token's
/// label is its id, and its input becomes <c>&lt;mask&gt;</c>, a random id, or stays, with the configured
/// shares. Unchosen tokens keep their id and get label <see cref="RobertaForMaskedLM.IgnoreIndex"/> (a constant: masking loads no torch).
/// </summary>
internal sealed class TokenMasker
{
    private readonly bool[] _neverChosen;
    private readonly bool[]? _isWordStart;
    private readonly ulong _chooseThreshold;
    private readonly ulong _maskThreshold;
    private readonly ulong _maskOrRandomThreshold;
    private readonly int _maskTokenId;
    private readonly int _vocabularySize;

    public TokenMasker(bool[] neverChosen, bool[]? isWordStart, double mlmProbability, double maskShare, double randomShare, int maskTokenId)
    {
        _neverChosen = neverChosen;
        _isWordStart = isWordStart;
        _vocabularySize = neverChosen.Length;
        _chooseThreshold = Xoshiro256.Threshold(mlmProbability);
        _maskThreshold = Xoshiro256.Threshold(maskShare);
        _maskOrRandomThreshold = Xoshiro256.Threshold(maskShare + randomShare);
        _maskTokenId = maskTokenId;
    }

    /// <summary>
    /// Masks <paramref name="ids"/> into <paramref name="masked"/> and <paramref name="labels"/> (same length).
    /// Returns the index of the first id outside the vocabulary, or -1 when all are valid.
    /// </summary>
    public int Mask(ReadOnlySpan<int> ids, Span<int> masked, Span<int> labels, ref Xoshiro256 rng)
    {
        for (int i = 0; i < ids.Length; i++)
            if ((uint)ids[i] >= (uint)_vocabularySize) return i;
        ids.CopyTo(masked);
        labels.Fill(RobertaForMaskedLM.IgnoreIndex);
        if (_isWordStart is null) MaskTokens(ids, masked, labels, ref rng);
        else MaskWholeWords(ids, masked, labels, ref rng);
        return -1;
    }

    private void MaskTokens(ReadOnlySpan<int> ids, Span<int> masked, Span<int> labels, ref Xoshiro256 rng)
    {
        for (int i = 0; i < ids.Length; i++)
            if (!_neverChosen[ids[i]] && rng.Next53() < _chooseThreshold)
                Replace(i, ids, masked, labels, ref rng);
    }

    /// <summary>A word is a word-start token and the following tokens up to the next word start or special token.</summary>
    private void MaskWholeWords(ReadOnlySpan<int> ids, Span<int> masked, Span<int> labels, ref Xoshiro256 rng)
    {
        var isWordStart = _isWordStart!;
        int i = 0;
        while (i < ids.Length)
        {
            if (_neverChosen[ids[i]])
            {
                i++;
                continue;
            }
            int end = i + 1;
            while (end < ids.Length && !_neverChosen[ids[end]] && !isWordStart[ids[end]]) end++;
            if (rng.Next53() < _chooseThreshold)
                for (int k = i; k < end; k++) Replace(k, ids, masked, labels, ref rng);
            i = end;
        }
    }

    private void Replace(int i, ReadOnlySpan<int> ids, Span<int> masked, Span<int> labels, ref Xoshiro256 rng)
    {
        labels[i] = ids[i];
        ulong draw = rng.Next53();
        if (draw < _maskThreshold) masked[i] = _maskTokenId;
        else if (draw < _maskOrRandomThreshold) masked[i] = rng.NextInt(_vocabularySize);
    }
}
