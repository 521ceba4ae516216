using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using MlNetMlm.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMlm.Tests.Modeling;

[TestClass]
public sealed class CheckpointRoundTripTests
{
    /// <summary>load (pytorch_model.bin) → save → load: identical tensors and config fields; the saved file is laid out as HF's.</summary>
    [TestMethod]
    public void LoadSaveLoadKeepsTensorsAndConfig()
    {
        const string name = "tiny-b";
        string source = HfReference.CheckpointDir(name);
        using var binOnly = HfReference.SingleFormatCopy(name, RobertaCheckpoint.PytorchFile);
        using var original = RobertaForMaskedLM.FromPretrained(binOnly.Path, _ => { });
        using var temp = new TempFiles();
        string saved = Path.Combine(temp.Path, "saved");
        original.SavePretrained(saved, new CheckpointSaveOptions
        {
            TokenizerDirectory = source,
            BaseModel = "hf-reference/tiny-b",
            TrainedOn = "nothing (round-trip test)",
            Metrics = new Dictionary<string, double> { ["eval_loss"] = 10.5 },
        });

        foreach (string f in new[] { "config.json", "model.safetensors", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json", "README.md" })
            Assert.IsTrue(File.Exists(Path.Combine(saved, f)), $"saved folder lacks {f}");
        Assert.AreEqual(0, Directory.GetDirectories(temp.Path, ".*").Length, "no temporary folder may be left beside the target");
        StringAssert.Contains(File.ReadAllText(Path.Combine(saved, "README.md")), "eval_loss");
        var tokenizer = RobertaCheckpoint.FindTokenizerFiles(saved);
        Assert.IsNotNull(tokenizer);
        Assert.IsTrue(File.ReadAllBytes(tokenizer.Value.VocabJson).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(source, "vocab.json"))), "vocab.json copied unchanged");
        var specials = JsonNode.Parse(File.ReadAllText(Path.Combine(saved, "special_tokens_map.json")))!;
        Assert.IsTrue(specials["mask_token"]!["lstrip"]!.GetValue<bool>(), "<mask> absorbs the space before it, as HF's RoBERTa tokenizer");

        using var reloaded = RobertaForMaskedLM.FromPretrained(saved, _ => { });
        var a = original.state_dict();
        var b = reloaded.state_dict();
        CollectionAssert.AreEquivalent(a.Keys.ToList(), b.Keys.ToList());
        foreach (var (key, t) in a)
            Assert.IsTrue(Same(t, b[key]), $"'{key}' changed in the round trip");

        // config.json: every field of HF's file survives with its value (unknown ones included).
        var hfConfig = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(source, "config.json")))!;
        var ourConfig = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(saved, "config.json")))!;
        CollectionAssert.AreEquivalent(hfConfig.Select(kv => kv.Key).ToList(), ourConfig.Select(kv => kv.Key).ToList());
        foreach (var (key, value) in hfConfig)
            Assert.IsTrue(JsonNode.DeepEquals(Normalize(value), Normalize(ourConfig[key])), $"config field '{key}': HF {value?.ToJsonString()}, saved {ourConfig[key]?.ToJsonString()}");
    }

    /// <summary>The saved model.safetensors has HF's header entries (names, dtypes, shapes, offsets) and HF's exact tensor bytes.</summary>
    [TestMethod]
    public void SavedSafetensorsMatchesHuggingFaceLayout()
    {
        const string name = "tiny-a";
        string hfFile = Path.Combine(HfReference.CheckpointDir(name), RobertaCheckpoint.SafetensorsFileName);
        using var model = RobertaForMaskedLM.FromPretrained(HfReference.CheckpointDir(name), _ => { });
        using var temp = new TempFiles();
        string saved = Path.Combine(temp.Path, "out");
        model.SavePretrained(saved);
        string ours = Path.Combine(saved, RobertaCheckpoint.SafetensorsFileName);

        byte[] bytes = File.ReadAllBytes(ours);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.AreEqual(0UL, n % 8, "header length must be a multiple of 8");
        string headerText = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.IsTrue(headerText.TrimEnd(' ').EndsWith('}'), "the header is JSON padded with spaces only");
        Assert.IsTrue(headerText.StartsWith("{\"__metadata__\":{\"format\":\"pt\"}", StringComparison.Ordinal), "metadata first, format pt");
        var header = (JsonObject)JsonNode.Parse(headerText.TrimEnd(' '))!;
        Assert.IsFalse(header.ContainsKey("lm_head.decoder.weight"), "tied decoder weight must be left out");
        Assert.IsFalse(header.ContainsKey("lm_head.decoder.bias"), "tied decoder bias must be left out");

        // Offsets contiguous in header order, covering the data section exactly.
        long cursor = 0;
        foreach (var (key, node) in header)
        {
            if (key == "__metadata__") continue;
            var offs = node!["data_offsets"]!.AsArray();
            Assert.AreEqual(cursor, offs[0]!.GetValue<long>(), $"'{key}' must start where the previous tensor ended");
            cursor = offs[1]!.GetValue<long>();
        }
        Assert.AreEqual(bytes.LongLength - 8 - (long)n, cursor, "data section must end at the last tensor");

        var (hfEntries, _, hfHeaderSize) = SafetensorsFile.ReadHeader(hfFile);
        var (ourEntries, meta, ourHeaderSize) = SafetensorsFile.ReadHeader(ours);
        Assert.AreEqual("pt", meta["format"]);
        Assert.AreEqual(hfEntries.Count, ourEntries.Count);
        foreach (var (h, o) in hfEntries.OrderBy(e => e.Name, StringComparer.Ordinal).Zip(ourEntries.OrderBy(e => e.Name, StringComparer.Ordinal)))
        {
            Assert.AreEqual(h.Name, o.Name);
            Assert.AreEqual(h.DType, o.DType, h.Name);
            CollectionAssert.AreEqual(h.Shape, o.Shape, h.Name);
            Assert.AreEqual(h.Begin, o.Begin, h.Name);
            Assert.AreEqual(h.End, o.End, h.Name);
        }
        byte[] hfBytes = File.ReadAllBytes(hfFile);
        Assert.IsTrue(hfBytes.AsSpan(8 + (int)hfHeaderSize).SequenceEqual(bytes.AsSpan(8 + (int)ourHeaderSize)), "tensor bytes must equal HF's");
    }

    [TestMethod]
    public void SaveRefusesNonEmptyFolderUnlessOverwrite()
    {
        using var model = RobertaForMaskedLM.FromScratch(TinyModels.Micro(), seed: 1);
        using var temp = new TempFiles();
        string target = Path.Combine(temp.Path, "model");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "notes.txt"), "user data");

        var e = Assert.ThrowsExactly<IOException>(() => model.SavePretrained(target));
        StringAssert.Contains(e.Message, "not empty");
        Assert.IsTrue(File.Exists(Path.Combine(target, "notes.txt")), "a refused save must not touch the folder");

        model.SavePretrained(target, new CheckpointSaveOptions { Overwrite = true });
        Assert.IsFalse(File.Exists(Path.Combine(target, "notes.txt")), "overwrite replaces the folder");
        Assert.IsTrue(File.Exists(Path.Combine(target, "model.safetensors")));
        Assert.AreEqual(1, Directory.GetFileSystemEntries(temp.Path).Length, "no temp or backup folder may be left beside the target");

        // An empty folder is fine without the flag.
        string empty = Path.Combine(temp.Path, "empty");
        Directory.CreateDirectory(empty);
        model.SavePretrained(empty);
        Assert.IsTrue(File.Exists(Path.Combine(empty, "config.json")));
    }

    /// <summary>A sharded safetensors checkpoint (index + two shards) loads to the same tensors.</summary>
    [TestMethod]
    public void ShardedSafetensorsLoads()
    {
        using var model = RobertaForMaskedLM.FromScratch(TinyModels.Micro(), seed: 3);
        using var temp = new TempFiles();
        model.Config.Save(Path.Combine(temp.Path, "config.json"));
        var state = model.state_dict();
        var keys = state.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var first = keys.Take(keys.Count / 2).ToDictionary(k => k, k => state[k]);
        var second = keys.Skip(keys.Count / 2).ToDictionary(k => k, k => state[k]);
        SafetensorsFile.Write(Path.Combine(temp.Path, "model-00001-of-00002.safetensors"), first);
        SafetensorsFile.Write(Path.Combine(temp.Path, "model-00002-of-00002.safetensors"), second);
        var map = new JsonObject();
        foreach (var k in first.Keys) map[k] = "model-00001-of-00002.safetensors";
        foreach (var k in second.Keys) map[k] = "model-00002-of-00002.safetensors";
        File.WriteAllText(Path.Combine(temp.Path, RobertaCheckpoint.SafetensorsIndexFile), new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = map }.ToJsonString());

        using var loaded = RobertaForMaskedLM.FromPretrained(temp.Path, _ => { });
        foreach (var (key, t) in loaded.state_dict())
            Assert.IsTrue(Same(t, state[key]), key);
    }

    /// <summary>Moving the model to another dtype keeps every key (lm_head.bias included) and keeps the decoder tied.</summary>
    [TestMethod]
    public void DtypeMoveKeepsTieAndKeys()
    {
        using var model = RobertaForMaskedLM.FromScratch(TinyModels.Micro(), seed: 5);
        model.eval();
        var keys = model.state_dict().Keys.ToList();
        model.to(ScalarType.Float64);
        CollectionAssert.AreEquivalent(keys, model.state_dict().Keys.ToList());
        Assert.AreEqual(ScalarType.Float64, model.state_dict()["lm_head.bias"].dtype);

        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 0, 5, 6, 7, 2 }, 1, 5);
        using (no_grad())
        {
            var before = model.forward(ids, null);
            // Changing the embedding of id 9 must change the logit for id 9 everywhere: the decoder reads the live table.
            model.roberta.embeddings.word_embeddings.weight![9].add_(1.0);
            var after = model.forward(ids, null);
            Assert.IsFalse(before[0, 1, 9].item<double>() == after[0, 1, 9].item<double>(), "decoder must follow the (moved) word embeddings");
            Assert.AreEqual(before[0, 1, 8].item<double>(), after[0, 1, 8].item<double>(), 1e-12);
        }
    }

    internal static bool Same(Tensor a, Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static JsonNode? Normalize(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<double>(out double d) ? JsonValue.Create(d) : node?.DeepClone();
}
