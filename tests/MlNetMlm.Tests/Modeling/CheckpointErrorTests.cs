using System.Text.Json.Nodes;
using MlNetMlm.Modeling;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MlNetMlm.Tests.Modeling;

/// <summary>Broken checkpoint folders fail with a message naming the file, the key and both shapes — never a half-loaded model.</summary>
[TestClass]
public sealed class CheckpointErrorTests
{
    /// <summary>A folder with a micro model's config.json, and that model's state dict to tamper with before writing.</summary>
    private sealed class MicroCheckpoint : IDisposable
    {
        // The model must outlive the state dict: TorchSharp's finalizer frees a collected module's tensors.
        private readonly RobertaForMaskedLM _model = RobertaForMaskedLM.FromScratch(TinyModels.Micro(), seed: 11);
        public TempFiles Dir { get; } = new();
        public Dictionary<string, Tensor> State { get; }

        public MicroCheckpoint()
        {
            _model.Config.Save(Path.Combine(Dir.Path, "config.json"));
            State = _model.state_dict();
        }

        public void Deconstruct(out TempFiles dir, out Dictionary<string, Tensor> state) => (dir, state) = (Dir, State);

        public void Dispose()
        {
            _model.Dispose();
            Dir.Dispose();
        }
    }

    private static void WriteSafetensors(TempFiles dir, Dictionary<string, Tensor> state) =>
        SafetensorsFile.Write(Path.Combine(dir.Path, RobertaCheckpoint.SafetensorsFileName), state);

    private static CheckpointException LoadFails(TempFiles dir) =>
        Assert.ThrowsExactly<CheckpointException>(() => RobertaForMaskedLM.FromPretrained(dir.Path, _ => { }));

    [TestMethod]
    public void MissingKeyIsNamed()
    {
        using var fixture = new MicroCheckpoint();
        var (dir, state) = fixture;
        state.Remove("roberta.encoder.layer.1.output.dense.bias");
        WriteSafetensors(dir, state);
        var e = LoadFails(dir);
        StringAssert.Contains(e.Message, "missing keys (1): roberta.encoder.layer.1.output.dense.bias");
    }

    [TestMethod]
    public void WrongDtypeIsNamedWithItsKeyAndNothingIsLoaded()
    {
        using var fixture = new MicroCheckpoint();
        var (dir, state) = fixture;
        const string key = "roberta.encoder.layer.0.attention.self.query.weight";
        state[key] = state[key].to(ScalarType.Int64);
        WriteSafetensors(dir, state);
        var e = LoadFails(dir);
        StringAssert.Contains(e.Message, $"'{key}'");
        StringAssert.Contains(e.Message, "dtype Int64");
        StringAssert.Contains(e.Message, "floating-point");
    }

    [TestMethod]
    public void UnexpectedKeyIsNamedWithItsFile()
    {
        using var fixture = new MicroCheckpoint();
        var (dir, state) = fixture;
        state["roberta.encoder.layer.2.output.dense.bias"] = zeros(16);
        WriteSafetensors(dir, state);
        var e = LoadFails(dir);
        StringAssert.Contains(e.Message, "unexpected keys (1): roberta.encoder.layer.2.output.dense.bias in model.safetensors");
    }

    [TestMethod]
    public void WrongPrefixGetsAHint()
    {
        using var fixture = new MicroCheckpoint();
        var (dir, state) = fixture;
        var bare = state.Where(kv => kv.Key.StartsWith("roberta.", StringComparison.Ordinal))
                        .ToDictionary(kv => kv.Key["roberta.".Length..], kv => kv.Value);
        WriteSafetensors(dir, bare);
        var e = LoadFails(dir);
        StringAssert.Contains(e.Message, "no 'roberta.' prefix");
    }

    [TestMethod]
    public void PoolerPositionIdsAndStoredDecoderAreAcceptedAndLogged()
    {
        using var fixture = new MicroCheckpoint();
        var (dir, state) = fixture;
        state["roberta.pooler.dense.weight"] = zeros(16, 16);
        state["roberta.pooler.dense.bias"] = zeros(16);
        state["roberta.embeddings.position_ids"] = arange(34).unsqueeze(0);
        state["lm_head.decoder.weight"] = state["roberta.embeddings.word_embeddings.weight"];
        state["lm_head.decoder.bias"] = state["lm_head.bias"];
        WriteSafetensors(dir, state);
        var notes = new List<string>();
        using var model = RobertaForMaskedLM.FromPretrained(dir.Path, notes.Add);
        string all = string.Join("\n", notes);
        StringAssert.Contains(all, "ignored 'roberta.pooler.dense.weight'");
        StringAssert.Contains(all, "ignored 'roberta.embeddings.position_ids'");
        StringAssert.Contains(all, "'lm_head.decoder.weight' is stored and equals 'roberta.embeddings.word_embeddings.weight'");
    }

    [TestMethod]
    public void WrongShapeInSafetensorsNamesKeyAndBothShapes()
    {
        using var fixture = new MicroCheckpoint();
        var (dir, state) = fixture;
        state["roberta.embeddings.position_embeddings.weight"] = zeros(20, 16);   // model expects [34, 16]
        WriteSafetensors(dir, state);
        var e = LoadFails(dir);
        StringAssert.Contains(e.Message, "shape mismatch for 'roberta.embeddings.position_embeddings.weight' in model.safetensors: checkpoint has [20, 16], the model (from config.json) expects [34, 16]");
    }

    /// <summary>A broadcastable shape ([1, 16] into [34, 16]) must be refused too, not silently broadcast.</summary>
    [TestMethod]
    public void BroadcastableShapeIsRefused()
    {
        using var fixture = new MicroCheckpoint();
        var (dir, state) = fixture;
        state["roberta.embeddings.position_embeddings.weight"] = zeros(1, 16);
        WriteSafetensors(dir, state);
        StringAssert.Contains(LoadFails(dir).Message, "checkpoint has [1, 16]");
    }

    /// <summary>pytorch_model.bin with a wrong shape (PyBridge's own load_py would copy it without a check).</summary>
    [TestMethod]
    public void WrongShapeInPytorchBinNamesKeyAndBothShapes()
    {
        using var fixture = new MicroCheckpoint();
        var (dir, state) = fixture;
        state["roberta.embeddings.position_embeddings.weight"] = zeros(20, 16);
        PyTorchPickler.PickleStateDict(Path.Combine(dir.Path, RobertaCheckpoint.PytorchFile), state);
        var e = LoadFails(dir);
        StringAssert.Contains(e.Message, "'roberta.embeddings.position_embeddings.weight' in pytorch_model.bin: checkpoint has [20, 16], the model (from config.json) expects [34, 16]");
    }

    [TestMethod]
    public void TruncatedSafetensorsIsReported()
    {
        using var fixture = new MicroCheckpoint();
        var (dir, state) = fixture;
        WriteSafetensors(dir, state);
        string path = Path.Combine(dir.Path, RobertaCheckpoint.SafetensorsFileName);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var e = LoadFails(dir);
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "truncated");
    }

    [TestMethod]
    public void TruncatedPytorchBinIsReported()
    {
        string source = Path.Combine(HfReference.CheckpointDir("tiny-b"), RobertaCheckpoint.PytorchFile);
        using var dir = new TempFiles();
        File.Copy(Path.Combine(HfReference.CheckpointDir("tiny-b"), "config.json"), Path.Combine(dir.Path, "config.json"));
        byte[] bytes = File.ReadAllBytes(source);
        string path = Path.Combine(dir.Path, RobertaCheckpoint.PytorchFile);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = LoadFails(dir);
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "truncated");
    }

    [TestMethod]
    public void OtherModelTypeIsRefused()
    {
        using var fixture = new MicroCheckpoint();
        var (dir, state) = fixture;
        WriteSafetensors(dir, state);
        string configPath = Path.Combine(dir.Path, "config.json");
        var config = (JsonObject)JsonNode.Parse(File.ReadAllText(configPath))!;
        config["model_type"] = "bert";
        File.WriteAllText(configPath, config.ToJsonString());
        var e = LoadFails(dir);
        StringAssert.Contains(e.Message, "model_type is \"bert\"");
        StringAssert.Contains(e.Message, "RoBERTa");
    }

    [TestMethod]
    public void TokenizerLargerThanVocabularyIsRefused()
    {
        using var fixture = new MicroCheckpoint();
        var (dir, state) = fixture;
        WriteSafetensors(dir, state);
        var vocab = new JsonObject();
        for (int i = 0; i < 41; i++) vocab[$"t{i}"] = i;                            // 41 ids, model has 40
        File.WriteAllText(Path.Combine(dir.Path, "vocab.json"), vocab.ToJsonString());
        var e = LoadFails(dir);
        StringAssert.Contains(e.Message, "41 token ids");
        StringAssert.Contains(e.Message, "vocab_size 40");
    }

    [TestMethod]
    public void FolderWithoutWeightsListsWhatWasLookedFor()
    {
        using var fixture = new MicroCheckpoint();
        var dir = fixture.Dir;
        var e = LoadFails(dir);
        StringAssert.Contains(e.Message, "model.safetensors");
        StringAssert.Contains(e.Message, "pytorch_model.bin");
    }
}
