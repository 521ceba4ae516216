using System.Text;
using Microsoft.ML;
using MlNetMlm.Loading;
using MlNetMlm.Metrics;
using MlNetMlm.Modeling;
using MlNetMlm.Tests.Modeling;
using MlNetMlm.Tokenization;
using MlNetMlm.Training;
using TorchSharp.PyBridge;

namespace MlNetMlm.Tests.Fuzz;

/// <summary>
/// A bounded fuzz of every loader (issue 15, "The suite"): from a valid seed file, a fixed-seed stream of
/// mutations (bit flips, truncations, deletions, insertions, overwritten ranges, number and type swaps in JSON,
/// length-field edits). Each mutation must end in success or in the loader's documented exception type; any
/// other exception, or no answer within the per-case limit (a hang), fails the test with the case that did it.
/// A native crash or access violation would take the test host down, which fails the run.
/// </summary>
[TestClass]
public sealed class LoaderFuzzTests
{
    private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(20);

    private static readonly string[] JsonSwaps =
        ["-1", "0", "1.5", "2147483648", "9223372036854775808", "1e400", "\"x\"", "null", "[]", "{}", "true", "[[1]]", "\"\\ud800\""];

    private static byte[] Mutate(byte[] seed, Random r, bool text)
    {
        var b = seed.ToList();
        int kinds = text ? 8 : 7;
        int rounds = 1 + r.Next(3);
        for (int round = 0; round < rounds && b.Count > 0; round++)
        {
            switch (r.Next(kinds))
            {
                case 0: // bit flips
                    for (int i = 0, n = 1 + r.Next(8); i < n; i++) b[r.Next(b.Count)] ^= (byte)(1 << r.Next(8));
                    break;
                case 1: // truncation
                    b = b.Take(r.Next(b.Count + 1)).ToList();
                    break;
                case 2: // delete a range
                {
                    int at = r.Next(b.Count);
                    b.RemoveRange(at, Math.Min(b.Count - at, 1 + r.Next(64)));
                    break;
                }
                case 3: // insert random bytes
                {
                    var add = new byte[1 + r.Next(32)];
                    r.NextBytes(add);
                    b.InsertRange(r.Next(b.Count + 1), add);
                    break;
                }
                case 4: // overwrite a range
                {
                    int at = r.Next(b.Count);
                    for (int i = at; i < Math.Min(b.Count, at + 1 + r.Next(16)); i++) b[i] = (byte)r.Next(256);
                    break;
                }
                case 5: // duplicate a range
                {
                    int at = r.Next(b.Count), len = Math.Min(b.Count - at, 1 + r.Next(128));
                    b.InsertRange(r.Next(b.Count + 1), b.GetRange(at, len));
                    break;
                }
                case 6: // a little-endian length or offset field: 8 bytes somewhere set to an extreme
                {
                    int at = r.Next(Math.Max(1, b.Count - 8));
                    ulong value = r.Next(4) switch { 0 => ulong.MaxValue, 1 => (ulong)long.MaxValue, 2 => (ulong)r.NextInt64(), _ => 0 };
                    for (int i = 0; i < 8 && at + i < b.Count; i++) b[at + i] = (byte)(value >> (8 * i));
                    break;
                }
                default: // JSON: a number or a value swapped for another kind
                {
                    string s = Encoding.UTF8.GetString(b.ToArray());
                    var numbers = System.Text.RegularExpressions.Regex.Matches(s, @"-?\d+(\.\d+)?|""[^""\\]{0,40}""|\[\]|true|false|null");
                    if (numbers.Count == 0) break;
                    var m = numbers[r.Next(numbers.Count)];
                    s = s[..m.Index] + JsonSwaps[r.Next(JsonSwaps.Length)] + s[(m.Index + m.Length)..];
                    b = Encoding.UTF8.GetBytes(s).ToList();
                    break;
                }
            }
        }
        return b.ToArray();
    }

    /// <summary>Runs <paramref name="cases"/> mutations of <paramref name="seed"/> through <paramref name="load"/>.</summary>
    private static void Fuzz(string loader, byte[] seed, int cases, bool text, Action<byte[]> load, params Type[] documented)
    {
        load(seed); // the unmutated seed loads, or the fuzz would only ever test one refusal
        var r = new Random(15_000 + loader.Length * 31 + loader[0]);
        int succeeded = 0, refused = 0;
        for (int i = 0; i < cases; i++)
        {
            byte[] input = Mutate(seed, r, text);
            var task = Task.Run(() => load(input));
            bool finished;
            try
            {
                finished = task.Wait(PerCase);
            }
            catch (AggregateException) { finished = true; }
            if (!finished) Assert.Fail($"{loader}: case {i} ({input.Length} bytes) gave no answer within {PerCase.TotalSeconds} s.");
            if (task.Exception?.InnerException is { } e)
            {
                if (!documented.Any(t => t.IsInstanceOfType(e)))
                    Assert.Fail($"{loader}: case {i} ({input.Length} bytes) threw {e.GetType().FullName}, not one of {string.Join(", ", documented.Select(t => t.Name))}: {e}");
                if (e.Message.Contains("frame #", StringComparison.Ordinal))
                    Assert.Fail($"{loader}: case {i} gave a native stack trace: {e.Message}");
                refused++;
            }
            else succeeded++;
        }
        Console.WriteLine($"{loader}: {cases} mutations, {succeeded} loaded, {refused} refused with a documented exception.");
        Assert.IsTrue(refused > 0, $"{loader}: no mutation was refused; the fuzz does not reach the checks");
    }

    private static readonly RobertaConfig Micro = TinyModels.Micro();

    /// <summary>A micro checkpoint folder whose weight file, written by <paramref name="write"/>, is fuzzed through a full load.</summary>
    private static void FuzzWeights(string file, int cases, Action<string, Dictionary<string, TorchSharp.torch.Tensor>> write)
    {
        using var dir = new TempFiles();
        using var model = RobertaForMaskedLM.FromScratch(Micro, seed: 2);
        model.Config.Save(Path.Combine(dir.Path, "config.json"));
        string path = Path.Combine(dir.Path, file);
        write(path, model.state_dict());
        Fuzz(file, File.ReadAllBytes(path), cases, text: false, bytes =>
        {
            File.WriteAllBytes(path, bytes);
            RobertaForMaskedLM.FromPretrained(dir.Path, _ => { }).Dispose();
        }, typeof(CheckpointException));
    }

    [TestMethod]
    public void SafetensorsCheckpoint() => FuzzWeights(RobertaCheckpoint.SafetensorsFileName, 500, SafetensorsFile.Write);

    [TestMethod]
    public void PytorchBinCheckpoint() => FuzzWeights(RobertaCheckpoint.PytorchFile, 400, (path, state) => PyTorchPickler.PickleStateDict(path, state));

    [TestMethod]
    public void ConfigJson()
    {
        using var dir = new TempFiles();
        using var model = RobertaForMaskedLM.FromScratch(Micro, seed: 2);
        SafetensorsFile.Write(Path.Combine(dir.Path, RobertaCheckpoint.SafetensorsFileName), model.state_dict());
        string path = Path.Combine(dir.Path, "config.json");
        byte[] seed = Encoding.UTF8.GetBytes(model.Config.ToJson());
        Fuzz("config.json", seed, 500, text: true, bytes =>
        {
            File.WriteAllBytes(path, bytes);
            RobertaForMaskedLM.FromPretrained(dir.Path, _ => { }).Dispose();
        }, typeof(CheckpointException));
    }

    private const string Vocab = """{"<s>":0,"<pad>":1,"</s>":2,"<unk>":3,"a":4,"b":5,"ab":6,"Ġa":7,"<mask>":8,"Ġ":9}""";
    private const string Merges = "#version: 0.2\na b\nĠ a\n";

    [TestMethod]
    public void TokenizerFiles()
    {
        using var dir = new TempFiles();
        string vocab = Path.Combine(dir.Path, "vocab.json"), merges = Path.Combine(dir.Path, "merges.txt"), json = Path.Combine(dir.Path, "tokenizer.json");
        void Use(RobertaTokenizer t) => t.Decode(t.EncodeToIds("ab a <mask> b\u00e9"), skipSpecialTokens: false);
        File.WriteAllText(merges, Merges);
        Fuzz("vocab.json", Encoding.UTF8.GetBytes(Vocab), 300, text: true, bytes =>
        {
            File.WriteAllBytes(vocab, bytes);
            Use(RobertaTokenizer.FromFiles(vocab, merges));
        }, typeof(InvalidDataException));
        File.WriteAllText(vocab, Vocab);
        Fuzz("merges.txt", Encoding.UTF8.GetBytes(Merges), 200, text: true, bytes =>
        {
            File.WriteAllBytes(merges, bytes);
            Use(RobertaTokenizer.FromFiles(vocab, merges));
        }, typeof(InvalidDataException));
        string tokenizerJson = "{\"added_tokens\":[{\"id\":8,\"content\":\"<mask>\",\"lstrip\":true,\"rstrip\":false,\"single_word\":false,\"normalized\":false,\"special\":true}]," +
                               "\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true}," +
                               $"\"model\":{{\"type\":\"BPE\",\"vocab\":{Vocab},\"merges\":[\"a b\",\"Ġ a\"]}}}}";
        Use(RobertaTokenizer.FromTokenizerJson(WriteAndReturn(json, tokenizerJson)));
        Fuzz("tokenizer.json", Encoding.UTF8.GetBytes(tokenizerJson), 300, text: true, bytes =>
        {
            File.WriteAllBytes(json, bytes);
            Use(RobertaTokenizer.FromTokenizerJson(json));
        }, typeof(InvalidDataException));
    }

    private static string WriteAndReturn(string path, string text)
    {
        File.WriteAllText(path, text);
        return path;
    }

    [TestMethod]
    public void JsonLines()
    {
        using var files = new TempFiles();
        string seed = string.Join("\n", Enumerable.Range(0, 6).Select(i =>
            $"{{\"q_id\": \"q{i}\", \"title\": \"Why {i}?\", \"score\": {i}.5, \"ok\": {(i % 2 == 0 ? "true" : "false")}, \"answers\": {{\"text\": [\"a \\\"{i}\\\"\", \"b\"], \"score\": [{i}, 2]}}}}")) + "\n";
        string path = files.PathOf("data.jsonl");
        var ml = new MLContext(seed: 1);
        foreach (bool flatten in new[] { false, true })
            Fuzz(flatten ? "JSON Lines (flattened)" : "JSON Lines", Encoding.UTF8.GetBytes(seed), 300, text: true, bytes =>
            {
                File.WriteAllBytes(path, bytes);
                var data = ml.Data.LoadFromJsonLines(path, new JsonLinesOptions { Flatten = flatten });
                using var cursor = data.GetRowCursor(data.Schema);
                var getters = data.Schema.Select(c => MakeGetter(cursor, c)).ToList();
                while (cursor.MoveNext()) foreach (var get in getters) get();
            }, typeof(JsonLinesFormatException), typeof(InvalidDataException));
    }

    private static Action MakeGetter(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var method = typeof(LoaderFuzzTests).GetMethod(nameof(Getter), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(column.Type.RawType);
        return (Action)method.Invoke(null, [cursor, column])!;
    }

    private static Action Getter<T>(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var get = cursor.GetGetter<T>(column);
        T value = default!;
        return () => get(ref value);
    }

    [TestMethod]
    public void TrainerStateJson()
    {
        using var dir = new TempFiles();
        string path = Path.Combine(dir.Path, TrainingCheckpoint.StateFile);
        var state = new TrainerState { GlobalStep = 6, Epoch = 1, BatchInEpoch = 2, TotalSteps = 14, Seed = 11, RngState = Convert.ToBase64String(new byte[40]) };
        state.Metrics.TrainLog.Add(new TrainLogEntry(5, 0.5, 3.5, 1e-3));
        byte[] seed = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(state, new System.Text.Json.JsonSerializerOptions { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower });
        Fuzz("trainer_state.json", seed, 400, text: true, bytes =>
        {
            File.WriteAllBytes(path, bytes);
            TrainingCheckpoint.RngBytes(dir.Path, TrainingCheckpoint.ReadState(dir.Path));
        }, typeof(InvalidDataException));
    }

    [TestMethod]
    public void OptimizerBin()
    {
        using var dir = new TempFiles();
        using var model = RobertaForMaskedLM.FromScratch(Micro, seed: 2);
        var options = new MaskedLmTrainerOptions { Config = Micro };
        using var optimizer = new TrainingOptimizer(model, options);
        using (var scope = TorchSharp.torch.NewDisposeScope())
        {
            var ids = TorchSharp.torch.tensor(new long[] { 0, 5, 6, 2 }).unsqueeze(0);
            model.forward(ids, null).sum().backward();
            optimizer.Step(maxGradNorm: 1.0, learningRate: 1e-3);
        }
        string path = Path.Combine(dir.Path, TrainingCheckpoint.OptimizerFile);
        using (var stream = File.Create(path))
        using (var writer = new BinaryWriter(stream))
            ((TorchSharp.Modules.OptimizerHelper)optimizer.Optimizer).save_state_dict(writer);
        byte[] seed = File.ReadAllBytes(path);
        Fuzz("optimizer.bin", seed, 400, text: false, bytes =>
        {
            File.WriteAllBytes(path, bytes);
            using var fresh = new TrainingOptimizer(model, options);
            TrainingCheckpoint.LoadOptimizer(dir.Path, fresh.Optimizer);
        }, typeof(InvalidDataException));
    }
}
