using System.Text.Json.Nodes;
using MlNetMlm.Modeling;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Tests.Modeling;

[TestClass]
public sealed class RobertaConfigTests
{
    [TestMethod]
    public void ReadsHuggingFaceConfig()
    {
        var c = RobertaConfig.Load(Path.Combine(HfReference.CheckpointDir("tiny-a"), "config.json"));
        Assert.AreEqual((50265, 64, 2, 4, 128, 130, 1), (c.VocabSize, c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize, c.MaxPositionEmbeddings, c.TypeVocabSize));
        Assert.AreEqual(1e-5, c.LayerNormEps);
        Assert.AreEqual((1, 0, 2), (c.PadTokenId, c.BosTokenId, c.EosTokenId));
        Assert.AreEqual("float32", c.TorchDtype);
        CollectionAssert.AreEqual(new[] { "RobertaForMaskedLM" }, c.Architectures.ToArray());
        Assert.AreEqual("4.40.0.dev0", c.ExtraFields["transformers_version"]!.GetValue<string>());
        Assert.AreEqual(128, c.MaxSequenceLength);
    }

    [TestMethod]
    public void UnknownFieldsSurviveRoundTripAndKeysAreSorted()
    {
        const string json = """{"model_type":"roberta","hidden_size":32,"num_attention_heads":4,"my_custom_field":{"a":[1,2]},"use_cache":true,"classifier_dropout":null}""";
        var c = RobertaConfig.FromJson(json);
        var written = (JsonObject)JsonNode.Parse(c.ToJson())!;
        Assert.AreEqual("""{"a":[1,2]}""", written["my_custom_field"]!.ToJsonString());
        Assert.IsTrue(written.ContainsKey("classifier_dropout") && written["classifier_dropout"] is null);
        Assert.AreEqual("roberta", written["model_type"]!.GetValue<string>());
        var keys = written.Select(kv => kv.Key).ToList();
        CollectionAssert.AreEqual(keys.OrderBy(k => k, StringComparer.Ordinal).ToList(), keys);
        // Fields missing from the file take HF's RobertaConfig defaults.
        Assert.AreEqual((512, 2, 1e-12), (c.MaxPositionEmbeddings, c.TypeVocabSize, c.LayerNormEps));
    }

    [TestMethod]
    public void BadConfigsFailClearly()
    {
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => RobertaConfig.FromJson("""{"model_type":"gpt2"}""")).Message, "model_type is \"gpt2\"");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => RobertaConfig.FromJson("""{"hidden_size":8}""")).Message, "no 'model_type'");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => RobertaConfig.FromJson("""{"model_type":"roberta","hidden_size":30,"num_attention_heads":4}""")).Message, "not a multiple");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => RobertaConfig.FromJson("""{"model_type":"roberta","hidden_act":"relu"}""")).Message, "hidden_act 'relu'");
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => RobertaConfig.FromJson("""{"model_type":"roberta","hidden_size":"big"}""")).Message, "config.json: 'hidden_size' should be an integer");
    }

    [TestMethod]
    public void PresetsAreNamedAndAnUnknownNameListsTheKnownOnes()
    {
        foreach (var name in RobertaConfig.PresetNames) RobertaConfig.Preset(name).Validate();
        var small = RobertaConfig.Preset("small");
        Assert.AreEqual((4, 256, 4, 1024, 130), (small.NumHiddenLayers, small.HiddenSize, small.NumAttentionHeads, small.IntermediateSize, small.MaxPositionEmbeddings));
        var tiny = RobertaConfig.Preset("tiny");
        Assert.AreEqual((2, 64, 2, 128, 130), (tiny.NumHiddenLayers, tiny.HiddenSize, tiny.NumAttentionHeads, tiny.IntermediateSize, tiny.MaxPositionEmbeddings));
        Assert.AreEqual(RobertaConfig.DistilRobertaBase().ToJson(), RobertaConfig.Preset("distilroberta").ToJson());
        Assert.AreNotSame(RobertaConfig.Preset("tiny"), RobertaConfig.Preset("tiny"), "each call gives a config of its own to change");
        var e = Assert.ThrowsExactly<ArgumentException>(() => RobertaConfig.Preset("huge"));
        StringAssert.Contains(e.Message, "'huge'");
        StringAssert.Contains(e.Message, "tiny, small, distilroberta");
    }

    [TestMethod]
    public void WithTokenizerTakesTheVocabularyAndSpecialIdsAndKeepsTheRest()
    {
        var tokenizer = RobertaTokenizer.Default;
        var requested = RobertaConfig.Small();
        requested.VocabSize = 7;
        requested.PadTokenId = 5;
        var config = requested.WithTokenizer(tokenizer);
        Assert.AreEqual((tokenizer.VocabularySize, tokenizer.PadId, tokenizer.BosId, tokenizer.EosId), (config.VocabSize, config.PadTokenId, config.BosTokenId, config.EosTokenId));
        Assert.AreEqual((4, 256, 130), (config.NumHiddenLayers, config.HiddenSize, config.MaxPositionEmbeddings));
        Assert.AreEqual((7, 5), (requested.VocabSize, requested.PadTokenId), "the requested config is left as it was");
    }
}
