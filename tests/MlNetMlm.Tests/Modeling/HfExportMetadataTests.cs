using System.Text.Json.Nodes;
using Microsoft.ML;
using MlNetMlm.FillMask;
using MlNetMlm.Modeling;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Tests.Modeling;

/// <summary>
/// Our Hugging Face export's metadata files against what Hugging Face itself writes for the same model
/// (<c>hf-reference/tiny-a-hf-saved</c>: <c>save_pretrained</c> of tiny-a, transformers 4.40), key by key.
/// The only differences allowed are the documented ones (README, "Saving"):
/// <list type="bullet">
/// <item>config.json <c>_name_or_path</c>: HF records where it loaded the model from; we keep the source's value and
///   write none for a model made here.</item>
/// <item>config.json <c>transformers_version</c>: we are not transformers; kept from the source config, else not written.</item>
/// <item>tokenizer_config.json <c>model_max_length</c>: HF writes a 1e30 placeholder for a tokenizer saved without a
///   known limit; we write the model's real limit (max_position_embeddings − 2).</item>
/// </list>
/// </summary>
[TestClass]
public sealed class HfExportMetadataTests
{
    private static readonly Dictionary<string, string[]> AllowedDifferences = new()
    {
        ["config.json"] = ["_name_or_path", "transformers_version"],
        ["tokenizer_config.json"] = ["model_max_length"],
        ["special_tokens_map.json"] = [],
    };

    private static string HfSaved(string file) => RepoPaths.RequireShared("hf-reference", "tiny-a-hf-saved", file);

    /// <summary>Every key of both files: the same set, the same values, except the allowed ones; returns the keys compared.</summary>
    private static int AssertSameKeys(string file, string oursDir)
    {
        var hf = JsonNode.Parse(File.ReadAllText(HfSaved(file)))!.AsObject();
        var ours = JsonNode.Parse(File.ReadAllText(Path.Combine(oursDir, file)))!.AsObject();
        var allowed = AllowedDifferences[file];
        var hfKeys = hf.Select(p => p.Key).Except(allowed).Order(StringComparer.Ordinal).ToList();
        var ourKeys = ours.Select(p => p.Key).Except(allowed).Order(StringComparer.Ordinal).ToList();
        CollectionAssert.AreEqual(hfKeys, ourKeys,
            $"{file}: keys HF writes and we do not: [{string.Join(", ", hfKeys.Except(ourKeys))}]; keys we write and HF does not: [{string.Join(", ", ourKeys.Except(hfKeys))}]");
        Assert.IsTrue(hfKeys.Count > 0, $"{file}: nothing compared");
        foreach (string key in hfKeys)
            Assert.IsTrue(JsonNode.DeepEquals(Normalized(hf[key]), Normalized(ours[key])), $"{file} '{key}': HF {hf[key]?.ToJsonString()}, ours {ours[key]?.ToJsonString()}");
        return hfKeys.Count;
    }

    /// <summary>Numbers compared as numbers (HF writes 1e-05 where we may write 1E-05).</summary>
    private static JsonNode? Normalized(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<double>(out double d) => JsonValue.Create(d),
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Normalized(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Normalized).ToArray()),
        _ => node?.DeepClone(),
    };

    private static void AssertLikeHf(string exported)
    {
        int compared = 0;
        foreach (string file in AllowedDifferences.Keys) compared += AssertSameKeys(file, exported);
        // The allowed difference itself is what we promise: the model's real limit.
        var config = RobertaConfig.Load(Path.Combine(exported, "config.json"));
        Assert.AreEqual(config.MaxSequenceLength, JsonNode.Parse(File.ReadAllText(Path.Combine(exported, "tokenizer_config.json")))!["model_max_length"]!.GetValue<int>());
        Console.WriteLine($"{exported}: {compared} keys identical to HF's save_pretrained output");
    }

    /// <summary>A model made here (no source config to carry keys over): everything comes from our writer.</summary>
    [TestMethod]
    public void FromScratchExportWritesWhatHfWrites()
    {
        string tinyA = RepoPaths.RequireShared("hf-reference", "tiny-a");
        HfSaved("config.json");
        using var files = new TempFiles();
        RobertaTokenizer.FromDirectory(tinyA).Export(files.PathOf("tokenizer"));
        // tiny-a's shape, given field by field (not loaded from its config.json, whose extra keys would be carried over).
        var config = new RobertaConfig
        {
            VocabSize = 50265, HiddenSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 4, IntermediateSize = 128,
            MaxPositionEmbeddings = 130, TypeVocabSize = 1, LayerNormEps = 1e-5,
        };
        using var model = RobertaForMaskedLM.FromScratch(config, seed: 0);
        string exported = files.PathOf("hf");
        model.SavePretrained(exported, new CheckpointSaveOptions { TokenizerDirectory = files.PathOf("tokenizer") });
        AssertLikeHf(exported);
        Assert.IsNull(JsonNode.Parse(File.ReadAllText(Path.Combine(exported, "config.json")))!["_name_or_path"], "nothing made up for a model made here");
    }

    /// <summary>The user's path: a fitted fill-mask model of tiny-a, exported with ExportHuggingFace.</summary>
    [TestMethod]
    public void ExportOfALoadedCheckpointWritesWhatHfWrites()
    {
        string tinyA = RepoPaths.RequireShared("hf-reference", "tiny-a");
        HfSaved("config.json");
        var ml = new MLContext(seed: 0);
        using var fillMask = ml.MaskedLanguageModeling().FillMask(tinyA).Fit(ml.Data.LoadFromEnumerable(new[] { new FillMaskInput { Text = "a <mask>" } }));
        using var files = new TempFiles();
        string exported = files.PathOf("hf");
        fillMask.ExportHuggingFace(exported);
        AssertLikeHf(exported);
    }
}
