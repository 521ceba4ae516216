using System.Numerics;

namespace MlNetMlm.Masking;

/// <summary>
/// xoshiro256** (Blackman and Vigna, 2018): a small, fast generator with good statistical quality,
/// seeded through SplitMix64 so that any 64-bit value is a usable seed. Used instead of
/// <see cref="Random"/> because masking draws once or more per token; it is a value type so each row
/// gets its own stream at no allocation cost.
/// </summary>
internal struct Xoshiro256
{
    private const ulong Golden = 0x9E3779B97F4A7C15;
    private ulong _s0, _s1, _s2, _s3;

    public Xoshiro256(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    /// <summary>
    /// The generator of row <paramref name="index"/> of a stream keyed by <paramref name="key"/>: rows take
    /// disjoint stretches of one SplitMix64 sequence, so a row's draws do not depend on which other rows were read.
    /// </summary>
    public static Xoshiro256 ForRow(ulong key, long index) => new(key + (ulong)index * 4 * Golden);

    /// <summary>Scrambles a seed into a well-spread 64-bit key (SplitMix64's output function).</summary>
    public static ulong Mix(ulong value)
    {
        ulong z = value + Golden;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>A probability as a threshold on 53-bit draws (see <see cref="Next53"/>).</summary>
    public static ulong Threshold(double probability) => (ulong)Math.Round(probability * (1UL << 53));

    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform draw in [0, 2^53); below <c>Threshold(p)</c> with probability p.</summary>
    public ulong Next53() => NextUInt64() >> 11;

    /// <summary>A uniform, unbiased int in [0, <paramref name="bound"/>) (Lemire's multiply-and-reject).</summary>
    public int NextInt(int bound)
    {
        uint range = (uint)bound;
        ulong product = (NextUInt64() >> 32) * range;
        if ((uint)product < range)
        {
            uint floor = (0u - range) % range;
            while ((uint)product < floor) product = (NextUInt64() >> 32) * range;
        }
        return (int)(product >> 32);
    }

    /// <summary>One step of SplitMix64: the output of <see cref="Mix"/>, then the state moves on by the golden gamma.</summary>
    private static ulong SplitMix(ref ulong state)
    {
        ulong result = Mix(state);
        state += Golden;
        return result;
    }
}
