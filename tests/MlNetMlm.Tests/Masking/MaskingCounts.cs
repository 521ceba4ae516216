namespace MlNetMlm.Tests.Masking;

/// <summary>
/// Tallies what a masking pass did, counted the way collator-stats.json counts HF's collator: a chosen
/// position (label != -100) is "to mask" if its input is the mask id, "unchanged" if it kept the
/// original id, otherwise "random". Also counts every broken invariant.
/// </summary>
internal sealed class MaskingCounts
{
    private readonly HashSet<int> _neverChosen;
    private readonly int _maskId;
    private readonly int _vocabulary;

    public MaskingCounts(IEnumerable<int> neverChosen, int maskId = TokenIds.Mask, int vocabulary = TokenIds.Vocabulary)
    {
        _neverChosen = [.. neverChosen];
        _maskId = maskId;
        _vocabulary = vocabulary;
    }

    public long Tokens, NeverChosen, Eligible, Chosen, ToMask, ToRandom, Unchanged, RandomIsSpecial;
    public long ChosenNeverChosen, LabelMismatch, UnchosenChanged, OutOfRange;

    public double ChosenOfEligible => (double)Chosen / Eligible;
    public double MaskOfChosen => (double)ToMask / Chosen;
    public double RandomOfChosen => (double)ToRandom / Chosen;
    public double UnchangedOfChosen => (double)Unchanged / Chosen;
    public double IgnoredShare => (double)(Tokens - Chosen) / Tokens;
    public long Violations => ChosenNeverChosen + LabelMismatch + UnchosenChanged + OutOfRange;

    public void Add(int[] original, int[] masked, int[] labels)
    {
        Assert.AreEqual(original.Length, masked.Length);
        Assert.AreEqual(original.Length, labels.Length);
        for (int i = 0; i < original.Length; i++)
        {
            Tokens++;
            bool never = _neverChosen.Contains(original[i]);
            if (never) NeverChosen++; else Eligible++;
            if ((uint)masked[i] >= (uint)_vocabulary) OutOfRange++;
            if (labels[i] == -100)
            {
                if (masked[i] != original[i]) UnchosenChanged++;
                continue;
            }
            Chosen++;
            if (never) ChosenNeverChosen++;
            if (labels[i] != original[i]) LabelMismatch++;
            if (masked[i] == _maskId) ToMask++;
            else if (masked[i] == original[i]) Unchanged++;
            else
            {
                ToRandom++;
                if (_neverChosen.Contains(masked[i])) RandomIsSpecial++;
            }
        }
    }

    public override string ToString() =>
        $"tokens {Tokens:N0}, eligible {Eligible:N0}, chosen {Chosen:N0} ({ChosenOfEligible:F4}); of chosen: mask {MaskOfChosen:F4}, random {RandomOfChosen:F4}, unchanged {UnchangedOfChosen:F4}; " +
        $"labels -100 share {IgnoredShare:F4}; violations {Violations}";
}
