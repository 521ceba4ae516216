using System.Text.Json;

namespace MlNetMlm.Tests.Modeling;

/// <summary>One line of <c>hf-reference/&lt;name&gt;.reference.jsonl</c>: what Hugging Face computed for one input.</summary>
internal sealed record HfReferenceCase(
    string Text,
    long[] InputIds,
    int[] MaskPositions,
    double SequenceSum,
    double SequenceL2,
    IReadOnlyList<HfMaskReference> Masks,
    long[]? Labels,
    double? Loss);

internal sealed record HfMaskReference(int Position, double[] First20, double Sum, double L2, double Max, long Argmax, long[] TopK);

internal static class HfReference
{
    public static readonly string[] Checkpoints = ["tiny-a", "tiny-b"];

    /// <summary>The checkpoint folder, or an inconclusive test with a printed reason when the shared data is absent.</summary>
    public static string CheckpointDir(string name) => RepoPaths.RequireShared("hf-reference", name);

    public static IReadOnlyList<HfReferenceCase> Cases(string name)
    {
        string path = RepoPaths.RequireShared("hf-reference", $"{name}.reference.jsonl");
        var cases = new List<HfReferenceCase>();
        foreach (string line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            var seq = r.GetProperty("sequence_logits");
            var masks = r.GetProperty("mask_logits").EnumerateArray().Select(m => new HfMaskReference(
                m.GetProperty("position").GetInt32(),
                m.GetProperty("first20").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
                m.GetProperty("sum").GetDouble(),
                m.GetProperty("l2").GetDouble(),
                m.GetProperty("max").GetDouble(),
                m.GetProperty("argmax").GetInt64(),
                m.GetProperty("top_k_manual").EnumerateArray().Select(e => e.GetProperty("token").GetInt64()).ToArray())).ToList();
            long[]? labels = r.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Array
                ? l.EnumerateArray().Select(e => e.GetInt64()).ToArray() : null;
            double? loss = r.TryGetProperty("loss", out var lo) && lo.ValueKind == JsonValueKind.Number ? lo.GetDouble() : null;
            cases.Add(new HfReferenceCase(
                r.GetProperty("text").GetString()!,
                r.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt64()).ToArray(),
                r.GetProperty("mask_positions").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                seq.GetProperty("sum").GetDouble(),
                seq.GetProperty("l2").GetDouble(),
                masks, labels, loss));
        }
        Assert.IsTrue(cases.Count > 0, $"{path} holds no cases");
        return cases;
    }

    /// <summary>
    /// A folder that shows the loader only one weight format: links to config.json, the tokenizer files
    /// and either model.safetensors or pytorch_model.bin of a reference checkpoint.
    /// </summary>
    public static TempFiles SingleFormatCopy(string name, string weightsFile)
    {
        string source = CheckpointDir(name);
        var dir = new TempFiles();
        foreach (string file in new[] { "config.json", "vocab.json", "merges.txt", weightsFile })
            File.CreateSymbolicLink(Path.Combine(dir.Path, file), Path.Combine(source, file));
        return dir;
    }
}
