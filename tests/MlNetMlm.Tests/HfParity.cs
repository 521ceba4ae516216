using System.Text.Json;
using MlNetMlm.FillMask;

namespace MlNetMlm.Tests;

/// <summary>One fill-mask candidate as Hugging Face's <c>pipeline("fill-mask")</c> reports it.</summary>
internal sealed record HfCandidate(int Token, string TokenStr, string Sequence, double Score)
{
    public static HfCandidate From(FillMaskCandidate c) => new(c.Token, c.TokenStr, c.Sequence, c.Score);

    /// <summary>One candidate object: exactly the keys score, token, token_str, sequence, in HF's order.</summary>
    public static HfCandidate FromJson(JsonElement e, string at)
    {
        CollectionAssert.AreEqual(new[] { "score", "token", "token_str", "sequence" }, e.EnumerateObject().Select(p => p.Name).ToArray(), $"{at}: keys");
        return new(e.GetProperty("token").GetInt32(), e.GetProperty("token_str").GetString()!, e.GetProperty("sequence").GetString()!, e.GetProperty("score").GetDouble());
    }

    /// <summary>A pipeline result for one text: one mask is a list of candidates, several masks a list of such lists.</summary>
    public static IReadOnlyList<IReadOnlyList<HfCandidate>> PerMask(JsonElement result, string at)
    {
        Assert.AreEqual(JsonValueKind.Array, result.ValueKind, $"{at}: a JSON array");
        Assert.IsTrue(result.GetArrayLength() > 0, $"{at}: an empty result");
        bool severalMasks = result[0].ValueKind == JsonValueKind.Array;
        var lists = severalMasks ? result.EnumerateArray().ToList() : [result];
        return lists.Select((l, m) => (IReadOnlyList<HfCandidate>)l.EnumerateArray().Select(c => FromJson(c, $"{at} mask {m}")).ToList()).ToList();
    }
}

/// <summary>
/// The one comparison every Hugging Face parity test uses: equal lengths, equal ids and strings, numbers within
/// a relative tolerance, and at least one item compared (an empty answer never passes).
/// </summary>
internal static class HfParity
{
    /// <summary>Scores are float32 softmax outputs; 1e-4 relative is well below the gap between neighbouring candidates.</summary>
    public const double RelativeTolerance = 1e-4;

    public static void AssertRelative(double expected, double actual, string at, double tolerance = RelativeTolerance)
    {
        double rel = Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), 1e-12);
        Assert.IsTrue(rel <= tolerance, $"{at}: HF {expected}, ours {actual} (relative difference {rel:E2}, allowed {tolerance:E0})");
    }

    /// <summary>Two lists item by item after checking their lengths; returns how many items were compared (at least one).</summary>
    public static int AssertLists<THf, TOurs>(IReadOnlyList<THf> hf, IReadOnlyList<TOurs> ours, string at, Action<THf, TOurs, string> compare)
    {
        Assert.AreEqual(hf.Count, ours.Count, $"{at}: count (HF {hf.Count}, ours {ours.Count})");
        Assert.IsTrue(hf.Count > 0, $"{at}: nothing to compare");
        for (int i = 0; i < hf.Count; i++) compare(hf[i], ours[i], $"{at} [{i}]");
        return hf.Count;
    }

    /// <summary>The fill-mask answer for one text, mask by mask and candidate by candidate; returns the candidates compared.</summary>
    public static int AssertFillMask(IReadOnlyList<IReadOnlyList<HfCandidate>> hf, IReadOnlyList<IReadOnlyList<HfCandidate>> ours, string at)
    {
        int compared = 0;
        AssertLists(hf, ours, $"{at} masks", (h, o, atMask) => compared += AssertLists(h, o, atMask, (a, b, atCandidate) =>
        {
            Assert.AreEqual(a.Token, b.Token, $"{atCandidate}: token id");
            Assert.AreEqual(a.TokenStr, b.TokenStr, $"{atCandidate}: token_str");
            Assert.AreEqual(a.Sequence, b.Sequence, $"{atCandidate}: sequence");
            AssertRelative(a.Score, b.Score, $"{atCandidate}: score");
        }));
        return compared;
    }
}
