using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using MlNetMlm.Modeling;
using MlNetMlm.Tests.Modeling;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MlNetMlm.Tests.Hostile;

/// <summary>Damaged and hostile checkpoints (issue 15, items 3, 4, 5 and 8): our own checks speak first, in one line naming the file.</summary>
[TestClass]
public sealed class DamagedCheckpointTests
{
    private static TempFiles MicroFolder(out Dictionary<string, Tensor> state, out RobertaForMaskedLM model)
    {
        var dir = new TempFiles();
        model = RobertaForMaskedLM.FromScratch(TinyModels.Micro(), seed: 3);
        model.Config.Save(Path.Combine(dir.Path, "config.json"));
        state = model.state_dict();
        return dir;
    }

    private static CheckpointException LoadFails(string dir) =>
        Assert.ThrowsExactly<CheckpointException>(() => RobertaForMaskedLM.FromPretrained(dir, _ => { }));

    private static void WriteHeader(string path, string json, int dataBytes)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
    }

    [TestMethod]
    public void ExpectedShapesAreTheModulesStateDict()
    {
        foreach (var config in new[] { TinyModels.Micro(), new RobertaConfig { NumHiddenLayers = 3, HiddenSize = 24, NumAttentionHeads = 3, IntermediateSize = 40, VocabSize = 77, MaxPositionEmbeddings = 20, TypeVocabSize = 2 } })
        {
            using var model = new RobertaForMaskedLM(config);
            var actual = model.state_dict().Select(kv => $"{kv.Key} [{string.Join(",", kv.Value.shape)}]").ToList();
            var expected = CheckpointValidator.ExpectedShapes(config).Select(e => $"{e.Key} [{string.Join(",", e.Shape)}]").ToList();
            CollectionAssert.AreEquivalent(actual, expected);
            Assert.AreEqual(model.parameters().Sum(p => p.numel()), ModelSize.ParameterCount(config));
        }
    }

    /// <summary>[2^61, 8] F32 overflows 64-bit byte arithmetic: refused by the header check, before libtorch sees it.</summary>
    [TestMethod]
    public void SafetensorsShapeWhoseSizeOverflowsIsRefused()
    {
        using var dir = new TempFiles();
        string path = Path.Combine(dir.Path, "model.safetensors");
        WriteHeader(path, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2305843009213693952,8],\"data_offsets\":[0,0]}}", 0);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => SafetensorsFile.ReadHeader(path));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "64 bits");
    }

    [TestMethod]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", "non-negative integers")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}}", "non-negative integers")]
    [DataRow("{\"a\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}", "not supported")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,\"4\"]}}", "data_offsets")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", "twice")]
    public void SafetensorsHeaderValuesOfTheWrongTypeAreRefused(string header, string expected)
    {
        using var dir = new TempFiles();
        string path = Path.Combine(dir.Path, "model.safetensors");
        WriteHeader(path, header, 8);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => SafetensorsFile.ReadHeader(path));
        StringAssert.Contains(e.Message, expected);
    }

    /// <summary>The micro model's weights under a config.json changed by <paramref name="change"/>: the load must fail.</summary>
    private static CheckpointException LoadWithChangedConfig(Action<RobertaConfig> change)
    {
        using var dir = MicroFolder(out var state, out var model);
        using (model)
        {
            SafetensorsFile.Write(Path.Combine(dir.Path, "model.safetensors"), state);
            var config = TinyModels.Micro();
            change(config);
            config.Save(Path.Combine(dir.Path, "config.json"));
            return LoadFails(dir.Path);
        }
    }

    /// <summary>num_hidden_layers 100000 against weights of 2 layers: refused from the keys, without building the model.</summary>
    [TestMethod]
    public void HundredThousandLayersAgainstTwoStoredFailsBeforeBuilding() =>
        StringAssert.Contains(LoadWithChangedConfig(c => c.NumHiddenLayers = 100_000).Message, "num_hidden_layers 100000, the checkpoint stores 2");

    /// <summary>hidden_size 1e6 against the stored tensors: a shape mismatch named before anything is allocated.</summary>
    [TestMethod]
    public void ConfigShapesAreComparedWithStoredShapes() =>
        StringAssert.Contains(LoadWithChangedConfig(c => c.HiddenSize = 1_000_000).Message,
            "shape mismatch for 'roberta.embeddings.word_embeddings.weight' in model.safetensors: checkpoint has [40, 16], the model (from config.json) expects [40, 1000000]");

    /// <summary>A model larger than memory is one line giving its size, before any allocation.</summary>
    [TestMethod]
    public void ModelLargerThanMemoryIsRefusedWithItsSize()
    {
        var config = new RobertaConfig { VocabSize = int.MaxValue, HiddenSize = 768 };
        var e = Assert.ThrowsExactly<InvalidDataException>(() => new RobertaForMaskedLM(config));
        StringAssert.Contains(e.Message, "GiB for its weights alone");
        StringAssert.Contains(e.Message, "memory available");
        Assert.IsFalse(e.Message.Contains('\n'), e.Message);
    }

    [TestMethod]
    public void EmptyAndGarbagePytorchBinAreNamedForWhatTheyAre()
    {
        using var dir = MicroFolder(out _, out var model);
        using (model)
        {
            string bin = Path.Combine(dir.Path, "pytorch_model.bin");
            File.WriteAllBytes(bin, []);
            StringAssert.Contains(LoadFails(dir.Path).Message, $"{bin}: the file is empty");
            File.WriteAllBytes(bin, Enumerable.Range(0, 300).Select(i => (byte)(i * 37)).ToArray());
            var e = LoadFails(dir.Path);
            StringAssert.Contains(e.Message, "not a torch.save checkpoint");
            Assert.IsFalse(e.Message.Contains("old PyTorch format"), e.Message);
        }
    }

    /// <summary>A .bin whose pickle names a storage the archive lacks, and one whose storage is shorter than its tensor.</summary>
    [TestMethod]
    public void PytorchBinWithMissingOrShortStorageIsOneLineNamingTheFile()
    {
        using var dir = MicroFolder(out var state, out var model);
        using (model)
        {
            string bin = Path.Combine(dir.Path, "pytorch_model.bin");
            PyTorchPickler.PickleStateDict(bin, state);
            byte[] original = File.ReadAllBytes(bin);

            using (var zip = ZipFile.Open(bin, ZipArchiveMode.Update))
                zip.Entries.First(e => e.FullName.Contains("/data/") && !e.FullName.EndsWith(".pkl", StringComparison.Ordinal)).Delete();
            var missing = LoadFails(dir.Path);
            StringAssert.Contains(missing.Message, bin);
            StringAssert.Contains(missing.Message, "storage");
            Assert.IsFalse(missing.Message.Contains("Sequence contains"), missing.Message);

            File.WriteAllBytes(bin, original);
            using (var zip = ZipFile.Open(bin, ZipArchiveMode.Update))
            {
                var entry = zip.Entries.First(e => e.FullName.EndsWith("/data/0", StringComparison.Ordinal));
                string name = entry.FullName;
                entry.Delete();
                using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(new byte[4]);
            }
            var shortStorage = LoadFails(dir.Path);
            StringAssert.Contains(shortStorage.Message, bin);
            Assert.IsFalse(shortStorage.Message.Contains("frame #"), shortStorage.Message);
        }
    }

    /// <summary>
    /// A torch &lt; 1.6 (non-zip) pytorch_model.bin, made at test time with Debian's python3-torch, is refused with the
    /// exact Python line that converts it; that line, run, gives a file that loads and equals the original weights.
    /// </summary>
    [TestMethod]
    public void LegacyPytorchBinIsRefusedWithAConversionOneLinerThatWorks()
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python) || RunPython(python, "import torch") is not 0)
            Assert.Inconclusive($"python3-torch missing: {python} cannot import torch (apt-get install python3-torch)");
        using var dir = MicroFolder(out var state, out var model);
        using (model)
        {
            string zipBin = Path.Combine(dir.Path, "zip.bin"), bin = Path.Combine(dir.Path, "pytorch_model.bin");
            PyTorchPickler.PickleStateDict(zipBin, state);
            Assert.AreEqual(0, RunPython(python, $"import torch; torch.save(torch.load('{zipBin}'), '{bin}', _use_new_zipfile_serialization=False)"));
            File.Delete(zipBin);
            var e = LoadFails(dir.Path);
            StringAssert.Contains(e.Message, "legacy format (torch < 1.6)");
            string line = e.Message[(e.Message.IndexOf("python3 -c \"", StringComparison.Ordinal) + "python3 -c \"".Length)..];
            line = line[..line.IndexOf('"')];
            Assert.AreEqual(0, RunPython(python, line), line);
            File.Move(bin + ".zip", bin, overwrite: true);
            using var loaded = RobertaForMaskedLM.FromPretrained(dir.Path, _ => { });
            foreach (var (key, tensor) in loaded.state_dict())
                Assert.IsTrue(tensor.eq(state[key]).all().item<bool>(), key);
        }
    }

    /// <summary>A pickle that calls os.system: nothing runs, and the refusal names what was asked for, not a reader internal.</summary>
    [TestMethod]
    public void PickleCallingOsSystemRunsNothingAndSaysWhy()
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python) || RunPython(python, "import torch") is not 0)
            Assert.Inconclusive($"python3-torch missing: {python} cannot import torch (apt-get install python3-torch)");
        using var dir = MicroFolder(out _, out var model);
        using (model)
        {
            string bin = Path.Combine(dir.Path, "pytorch_model.bin"), marker = Path.Combine(dir.Path, "ran");
            Assert.AreEqual(0, RunPython(python,
                "import torch, os\nclass E:\n    def __reduce__(self): return (os.system, ('touch " + marker + "',))\n" +
                $"torch.save({{'lm_head.bias': torch.zeros(2), 'x': E()}}, '{bin}')"));
            var e = LoadFails(dir.Path);
            Console.WriteLine(e.Message);
            Assert.IsFalse(File.Exists(marker), "the pickle ran code");
            StringAssert.Contains(e.Message, bin);
            StringAssert.Contains(e.Message, "nothing was run");
            StringAssert.Contains(e.Message, "posix.system");
            Assert.IsFalse(e.Message.Contains("IObjectConstructor"), e.Message);
        }
    }

    private static int RunPython(string python, string code)
    {
        var (exitCode, _, error) = ExternalTool.Run(python, "-c", code);
        if (exitCode != 0) Console.WriteLine(error);
        return exitCode;
    }
}
