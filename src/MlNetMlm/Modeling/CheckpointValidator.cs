using System.Globalization;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace MlNetMlm.Modeling;

/// <summary>
/// Checks a checkpoint's tensors against the model its config.json describes — every name, shape and
/// dtype — before the model is built, so a wrong or hostile config (100,000 layers, a vocabulary of
/// 2^31 ids) fails at once with one message instead of allocating first.
/// </summary>
internal static partial class CheckpointValidator
{
    internal const string DecoderWeight = "lm_head.decoder.weight";
    internal const string DecoderBias = "lm_head.decoder.bias";
    internal const string WordEmbeddings = "roberta.embeddings.word_embeddings.weight";
    internal const string LmHeadBias = "lm_head.bias";

    /// <summary>
    /// The state-dict names and shapes of <see cref="RobertaForMaskedLM"/> for <paramref name="config"/>, in the
    /// module's order, computed without building it (a test keeps this equal to the module's <c>state_dict()</c>).
    /// </summary>
    public static IEnumerable<(string Key, long[] Shape)> ExpectedShapes(RobertaConfig config)
    {
        long v = config.VocabSize, h = config.HiddenSize, i = config.IntermediateSize;
        const string emb = "roberta.embeddings.";
        yield return (WordEmbeddings, [v, h]);
        yield return (emb + "position_embeddings.weight", [config.MaxPositionEmbeddings, h]);
        yield return (emb + "token_type_embeddings.weight", [config.TypeVocabSize, h]);
        yield return (emb + "LayerNorm.weight", [h]);
        yield return (emb + "LayerNorm.bias", [h]);
        for (int n = 0; n < config.NumHiddenLayers; n++)
        {
            string layer = $"roberta.encoder.layer.{n.ToString(CultureInfo.InvariantCulture)}.";
            foreach (string proj in new[] { "query", "key", "value" })
            {
                yield return (layer + $"attention.self.{proj}.weight", [h, h]);
                yield return (layer + $"attention.self.{proj}.bias", [h]);
            }
            yield return (layer + "attention.output.dense.weight", [h, h]);
            yield return (layer + "attention.output.dense.bias", [h]);
            yield return (layer + "attention.output.LayerNorm.weight", [h]);
            yield return (layer + "attention.output.LayerNorm.bias", [h]);
            yield return (layer + "intermediate.dense.weight", [i, h]);
            yield return (layer + "intermediate.dense.bias", [i]);
            yield return (layer + "output.dense.weight", [h, i]);
            yield return (layer + "output.dense.bias", [h]);
            yield return (layer + "output.LayerNorm.weight", [h]);
            yield return (layer + "output.LayerNorm.bias", [h]);
        }
        yield return ("lm_head.dense.weight", [h, h]);
        yield return ("lm_head.dense.bias", [h]);
        yield return ("lm_head.layer_norm.weight", [h]);
        yield return ("lm_head.layer_norm.bias", [h]);
        yield return (LmHeadBias, [v]);
    }

    /// <summary>Stored keys that a masked LM does not use but HF checkpoints carry.</summary>
    public static bool IsTolerated(string key) =>
        key.StartsWith("roberta.pooler.", StringComparison.Ordinal)
        || key is "roberta.embeddings.position_ids" or "roberta.embeddings.token_type_ids" or DecoderWeight or DecoderBias;

    /// <summary>Throws a <see cref="CheckpointException"/> listing every problem; returns when the tensors fit the config.</summary>
    public static void Check(RobertaConfig config, StoredWeights weights)
    {
        var stored = weights.Tensors;
        int storedLayers = stored.Keys.Select(LayerIndex).DefaultIfEmpty(-1).Max() + 1;
        // Before listing what a config expects: 2^31 layers would be 2^35 names.
        if (config.NumHiddenLayers > storedLayers)
            throw new CheckpointException($"Checkpoint {weights.FileNames} does not fit {config}:\n  missing keys: config.json says num_hidden_layers {config.NumHiddenLayers}, the checkpoint stores {storedLayers}");
        var expected = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var (key, shape) in ExpectedShapes(config)) expected[key] = shape;

        var missing = expected.Keys.Where(k => !stored.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var unexpected = stored.Keys.Where(k => !expected.ContainsKey(k) && !IsTolerated(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var problems = new List<string>();
        if (missing.Count > 0)
        {
            string hint = stored.Keys.Any(k => k.StartsWith("embeddings.", StringComparison.Ordinal))
                ? " (the stored keys have no 'roberta.' prefix: this looks like a bare RobertaModel, without the masked-LM head)" : "";
            if (hint.Length == 0 && storedLayers != config.NumHiddenLayers)
                hint = $" (config.json says num_hidden_layers {config.NumHiddenLayers}, the checkpoint stores {storedLayers})";
            problems.Add($"missing keys ({missing.Count}): {Few(missing)}{hint}");
        }
        if (unexpected.Count > 0)
            problems.Add($"unexpected keys ({unexpected.Count}): {Few(unexpected.Select(k => $"{k} in {Path.GetFileName(stored[k].File)}"))}");
        foreach (var (key, shape) in expected)
        {
            if (!stored.TryGetValue(key, out var s)) continue;
            if (!s.Shape.SequenceEqual(shape))
                problems.Add($"shape mismatch for '{key}' in {Path.GetFileName(s.File)}: checkpoint has [{string.Join(", ", s.Shape)}], the model (from config.json) expects [{string.Join(", ", shape)}]");
            else if (!IsFloatingPoint(s.DType))
                problems.Add($"'{key}' in {Path.GetFileName(s.File)} has dtype {s.DType}; a floating-point tensor is expected");
        }
        // The tied decoder tensors, when stored (pytorch_model.bin), must at least fit what they are tied to.
        foreach (var (tied, owner) in new[] { (DecoderWeight, WordEmbeddings), (DecoderBias, LmHeadBias) })
            if (stored.TryGetValue(tied, out var s) && !s.Shape.SequenceEqual(expected[owner]))
                problems.Add($"shape mismatch for '{tied}' in {Path.GetFileName(s.File)}: checkpoint has [{string.Join(", ", s.Shape)}], it is tied to '{owner}' [{string.Join(", ", expected[owner])}]");
        if (problems.Count > 0)
            throw new CheckpointException($"Checkpoint {weights.FileNames} does not fit {config}:\n  " + string.Join("\n  ", problems));
    }

    private static int LayerIndex(string key)
    {
        var m = LayerKey().Match(key);
        return m.Success && int.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : -1;
    }

    [GeneratedRegex(@"^(?:roberta\.)?encoder\.layer\.(\d{1,9})\.")]
    private static partial Regex LayerKey();

    private static bool IsFloatingPoint(ScalarType t) => t is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64;

    private static string Few(IEnumerable<string> items)
    {
        var list = items.Take(9).ToList();
        int total = items.Count();
        return string.Join(", ", list.Take(8)) + (total > 8 ? $", … ({total - 8} more)" : "");
    }
}
