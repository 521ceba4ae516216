using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MlNetMlm.FillMask;

/// <summary>
/// Fill-mask results as the JSON of Hugging Face's <c>pipeline("fill-mask")</c> (and its Inference API):
/// one mask → <c>[{"score", "token", "token_str", "sequence"}, …]</c>; several masks → one such array per mask;
/// several texts → one result per text.
/// </summary>
public static class FillMaskJson
{
    // Tokens are text for people: keep "<", ">", "&" and non-ASCII letters as they are (valid JSON either way).
    private static readonly JsonWriterOptions s_options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the result of one text.</summary>
    public static void Write(Utf8JsonWriter writer, IReadOnlyList<IReadOnlyList<FillMaskCandidate>> perMask)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(perMask);
        if (perMask.Count == 1)
        {
            WriteCandidates(writer, perMask[0]);
            return;
        }
        writer.WriteStartArray();
        foreach (var candidates in perMask) WriteCandidates(writer, candidates);
        writer.WriteEndArray();
    }

    /// <summary>The result of one text as a JSON string.</summary>
    public static string Serialize(IReadOnlyList<IReadOnlyList<FillMaskCandidate>> perMask) => Serialize(w => Write(w, perMask));

    /// <summary>The results of several texts (HF's answer to a list of inputs) as a JSON string.</summary>
    public static string Serialize(IEnumerable<IReadOnlyList<IReadOnlyList<FillMaskCandidate>>> perText) => Serialize(w =>
    {
        w.WriteStartArray();
        foreach (var perMask in perText) Write(w, perMask);
        w.WriteEndArray();
    });

    private static void WriteCandidates(Utf8JsonWriter writer, IReadOnlyList<FillMaskCandidate> candidates)
    {
        writer.WriteStartArray();
        foreach (var c in candidates)
        {
            writer.WriteStartObject();
            // A score that is not a finite number (a model with NaN weights) is written as null, which JSON can hold.
            if (float.IsFinite(c.Score)) writer.WriteNumber("score", c.Score);
            else writer.WriteNull("score");
            writer.WriteNumber("token", c.Token);
            writer.WriteString("token_str", c.TokenStr);
            writer.WriteString("sequence", c.Sequence);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    private static string Serialize(Action<Utf8JsonWriter> write)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_options)) write(writer);
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
