using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using MlNetMlm.FillMask;

namespace MlNetMlm.Cli.Shared;

/// <summary>Fill-mask results as a small table for people, or as HF pipeline-shaped JSON for programs.</summary>
internal static class FillMaskOutput
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// HF's <c>pipeline("fill-mask")</c> shape: one mask → [{score, token, token_str, sequence}, ...];
    /// several masks → one such array per mask.
    /// </summary>
    public static string ToJson(IReadOnlyList<IReadOnlyList<FillMaskCandidate>> perMask)
    {
        static object Candidates(IReadOnlyList<FillMaskCandidate> c) =>
            // A score that is not a finite number (a model with NaN weights) is written as null, which JSON can hold.
            c.Select(x => new Dictionary<string, object?> { ["score"] = float.IsFinite(x.Score) ? x.Score : null, ["token"] = x.Token, ["token_str"] = x.TokenStr, ["sequence"] = x.Sequence }).ToList();
        object shape = perMask.Count == 1 ? Candidates(perMask[0]) : perMask.Select(Candidates).ToList();
        return JsonSerializer.Serialize(shape, Json);
    }

    public static void WriteTable(TextWriter output, string text, IReadOnlyList<IReadOnlyList<FillMaskCandidate>> perMask)
    {
        output.WriteLine(text);
        for (int m = 0; m < perMask.Count; m++)
        {
            if (perMask.Count > 1) output.WriteLine($"  mask {m + 1} of {perMask.Count}");
            int width = Math.Max(5, perMask[m].Select(c => Quote(c.TokenStr).Length).DefaultIfEmpty(0).Max());
            output.WriteLine($"  {"#",2}  {"score",7}  {"token".PadRight(width)}  sequence");
            int rank = 0;
            foreach (var c in perMask[m])
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {++rank,2}  {Score(c.Score),7}  {Quote(c.TokenStr).PadRight(width)}  {c.Sequence}"));
        }
    }

    // Four decimals, or scientific notation for the tiny scores of an untrained model (not a row of zeros).
    private static string Score(float score) => score >= 1e-4f || score == 0
        ? score.ToString("F4", CultureInfo.InvariantCulture)
        : score.ToString("0.0E+0", CultureInfo.InvariantCulture);

    // Quoted, so that leading spaces (word starts) and empty strings show.
    private static string Quote(string token) => JsonSerializer.Serialize(token, Json);
}
