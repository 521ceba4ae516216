using System.Collections;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MlNetMlm.Modeling;

/// <summary>One tensor of a checkpoint: its name, shape and dtype, the file it is in, and (once read) its data.</summary>
internal sealed class StoredTensor(string name, long[] shape, ScalarType dtype, string file)
{
    public string Name { get; } = name;
    public long[] Shape { get; } = shape;
    public ScalarType DType { get; } = dtype;
    public string File { get; } = file;
    public Tensor? Data { get; set; }
}

/// <summary>
/// The tensors of a checkpoint folder. Safetensors files are described from their headers alone, so the
/// names and shapes can be checked against config.json before a byte of weights is read; <c>torch.save</c>
/// files carry their shapes inside the pickle and are read whole.
/// </summary>
internal sealed class StoredWeights : IDisposable
{
    private StoredWeights(Dictionary<string, StoredTensor> tensors, bool safetensors)
    {
        Tensors = tensors;
        _safetensors = safetensors;
    }

    private readonly bool _safetensors;

    public IReadOnlyDictionary<string, StoredTensor> Tensors { get; }

    /// <summary>The weight files, by file name, for messages.</summary>
    public string FileNames => string.Join(", ", Tensors.Values.Select(v => Path.GetFileName(v.File)).Distinct());

    /// <summary>Reads the data of every tensor not yet in memory.</summary>
    public void ReadData()
    {
        if (!_safetensors) return;
        foreach (var file in Tensors.Values.Where(t => t.Data is null).Select(t => t.File).Distinct().ToList())
            foreach (var (key, tensor) in CheckpointReader.ReadSafetensorsData(file))
            {
                if (Tensors.TryGetValue(key, out var entry) && entry.File == file && entry.Data is null) entry.Data = tensor;
                else tensor.Dispose();
            }
    }

    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Data?.Dispose();
    }

    internal static StoredWeights Create(Dictionary<string, StoredTensor> tensors, bool safetensors) => new(tensors, safetensors);
}

/// <summary>
/// Finds and reads a checkpoint folder's weight files: <c>model.safetensors</c> (preferred) or
/// <c>pytorch_model.bin</c>, each possibly sharded with an <c>*.index.json</c>. Nothing in a file is
/// executed: a pickle may build only tensors and ordered dicts.
/// </summary>
internal static class CheckpointReader
{
    public const string SafetensorsFileName = "model.safetensors";
    public const string SafetensorsIndexFile = "model.safetensors.index.json";
    public const string PytorchFile = "pytorch_model.bin";
    public const string PytorchIndexFile = "pytorch_model.bin.index.json";

    /// <summary>Every tensor in the folder's weight files, described (safetensors) or read (torch.save).</summary>
    public static StoredWeights Open(string directory)
    {
        string st = Path.Combine(directory, SafetensorsFileName), stIndex = Path.Combine(directory, SafetensorsIndexFile);
        string pt = Path.Combine(directory, PytorchFile), ptIndex = Path.Combine(directory, PytorchIndexFile);
        if (File.Exists(st)) return Collect([st], null, DescribeSafetensors, safetensors: true);
        if (File.Exists(stIndex)) return ReadSharded(stIndex, DescribeSafetensors, safetensors: true);
        if (File.Exists(pt)) return Collect([pt], null, ReadPytorch, safetensors: false);
        if (File.Exists(ptIndex)) return ReadSharded(ptIndex, ReadPytorch, safetensors: false);
        throw new CheckpointException($"No weights in '{directory}': looked for {SafetensorsFileName}, {SafetensorsIndexFile}, {PytorchFile} and {PytorchIndexFile}.");
    }

    private static StoredWeights Collect(IEnumerable<string> files, string? indexPath, Func<string, IEnumerable<StoredTensor>> read, bool safetensors)
    {
        var all = new Dictionary<string, StoredTensor>(StringComparer.Ordinal);
        var weights = StoredWeights.Create(all, safetensors);
        try
        {
            foreach (string file in files)
                foreach (var tensor in read(file))
                {
                    if (!all.TryAdd(tensor.Name, tensor))
                    {
                        tensor.Data?.Dispose();
                        throw new CheckpointException($"{file}: tensor '{tensor.Name}' is also stored in {all[tensor.Name].File}.");
                    }
                }
            return weights;
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    private static StoredWeights ReadSharded(string indexPath, Func<string, IEnumerable<StoredTensor>> read, bool safetensors)
    {
        Dictionary<string, string> weightMap;
        try
        {
            var index = JsonNode.Parse(File.ReadAllBytes(indexPath)) as JsonObject;
            var map = index?["weight_map"] as JsonObject ?? throw new CheckpointException($"{indexPath}: no 'weight_map' object; expected {{\"weight_map\": {{\"tensor name\": \"shard file\", …}}}}.");
            weightMap = map.ToDictionary(kv => kv.Key, kv => kv.Value is JsonValue v && v.TryGetValue(out string? f) && f.Length > 0
                ? f : throw new CheckpointException($"{indexPath}: weight_map['{kv.Key}'] should be a shard file name (a string)."));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new CheckpointException($"{indexPath}: not valid JSON ({FirstLine(e.Message)}).", e);
        }
        string dir = Path.GetDirectoryName(indexPath)!;
        var shards = weightMap.Values.Distinct().Select(f =>
        {
            if (Path.GetFileName(f) != f) throw new CheckpointException($"{indexPath}: shard name '{f}' must be a file name in the same folder.");
            string p = Path.Combine(dir, f);
            return File.Exists(p) ? p : throw new CheckpointException($"{indexPath}: shard '{f}' listed in weight_map does not exist.");
        }).ToList();
        var all = Collect(shards, indexPath, read, safetensors);
        foreach (var (key, file) in weightMap)
        {
            if (!all.Tensors.ContainsKey(key))
            {
                all.Dispose();
                throw new CheckpointException($"{indexPath}: weight_map puts '{key}' in {file}, but that shard does not contain it.");
            }
        }
        return all;
    }

    private static IEnumerable<StoredTensor> DescribeSafetensors(string path)
    {
        try
        {
            return SafetensorsFile.ReadHeader(path).Entries
                .Select(e => new StoredTensor(e.Name, e.Shape, SafetensorsFile.ScalarTypeOf(e.DType), path)).ToList();
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException(e.Message, e);
        }
    }

    /// <summary>The data of a safetensors file whose header <see cref="SafetensorsFile.ReadHeader"/> has checked.</summary>
    internal static Dictionary<string, Tensor> ReadSafetensorsData(string path)
    {
        try
        {
            return SafetensorsFile.ReadTensors(path); // checks the header again: the file may have changed since it was described
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException(e.Message, e);
        }
        catch (Exception e) when (e is not CheckpointException)
        {
            throw new CheckpointException($"{path}: could not be read as safetensors ({FirstLine(e.GetBaseException().Message)}).", e);
        }
    }

    /// <summary>The first line of a message (libtorch appends its C++ stack trace to the one line that matters).</summary>
    internal static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return (end < 0 ? message : message[..end]).Trim();
    }

    // The legacy (torch < 1.6) format starts with a pickled magic number: protocol 2, then LONG1 8 bytes 0x1950a86a20f9469cfc6c.
    private static readonly byte[] LegacyMagic = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

    private static IEnumerable<StoredTensor> ReadPytorch(string path)
    {
        CheckPytorchContainer(path);
        Hashtable table;
        try
        {
            // PyBridge's unpickler builds only tensors and OrderedDicts; any other global in the pickle is an error.
            table = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (Exception e)
        {
            throw new CheckpointException($"{path}: {DescribePickleFailure(e)}", e);
        }
        var result = new List<StoredTensor>();
        try
        {
            foreach (DictionaryEntry entry in table)
            {
                if (entry.Key is string key && entry.Value is Tensor t) result.Add(new StoredTensor(key, t.shape, t.dtype, path) { Data = t });
                else throw new CheckpointException($"{path}: entry '{entry.Key}' is {(entry.Value is null ? "None" : entry.Value.GetType().Name)}, not a tensor; expected a state dict (tensor name → tensor).");
            }
            return result;
        }
        catch
        {
            foreach (DictionaryEntry entry in table) (entry.Value as Tensor)?.Dispose();
            throw;
        }
    }

    /// <summary>Tells a zip (torch ≥ 1.6), a legacy pickle (torch &lt; 1.6) and anything else apart before unpickling.</summary>
    private static void CheckPytorchContainer(string path)
    {
        Span<byte> head = stackalloc byte[LegacyMagic.Length];
        int read;
        long length;
        using (var stream = File.OpenRead(path))
        {
            length = stream.Length;
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        if (length == 0) throw new CheckpointException($"{path}: the file is empty; expected a torch.save zip archive (a state dict).");
        if (read >= 4 && head[..4].SequenceEqual("PK\x03\x04"u8))
        {
            try
            {
                using var zip = ZipFile.OpenRead(path);
                if (!zip.Entries.Any(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) || e.FullName == "data.pkl"))
                    throw new CheckpointException($"{path}: a zip archive without data.pkl; expected a torch.save checkpoint (a state dict).");
            }
            catch (InvalidDataException e)
            {
                throw new CheckpointException($"{path}: a damaged or truncated zip archive ({FirstLine(e.Message)}); expected a torch.save checkpoint.", e);
            }
            return;
        }
        if (read == LegacyMagic.Length && head.SequenceEqual(LegacyMagic))
            throw new CheckpointException(
                $"{path}: saved in PyTorch's legacy format (torch < 1.6), which MlNetMlm does not read. Convert it once with Python: " +
                $"python3 -c \"import torch; torch.save(torch.load('{path}', map_location='cpu', weights_only=True), '{path}.zip')\" " +
                "then move the .zip file over the original (or save the model again with save_pretrained, which writes model.safetensors).");
        throw new CheckpointException($"{path}: not a torch.save checkpoint (neither a zip archive nor a legacy PyTorch pickle; {length} bytes starting {Convert.ToHexString(head[..read])}).");
    }

    private static string DescribePickleFailure(Exception e)
    {
        var inner = e.GetBaseException();
        string message = FirstLine(inner.Message);
        // The unpickler refuses any global but tensors and ordered dicts; its message names the global ("… for posix.system").
        var global = System.Text.RegularExpressions.Regex.Match(message, @"\bfor ([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)+)");
        if (global.Success || message.Contains("IObjectConstructor", StringComparison.Ordinal) || message.Contains("ClassDict", StringComparison.Ordinal))
            return $"the pickle asks for the Python object {(global.Success ? global.Groups[1].Value : "(unnamed)")}; only tensors and ordered dicts are built, so nothing was run. A state dict (tensor name → tensor) is expected.";
        if (inner is InvalidOperationException && message.Contains("no matching element", StringComparison.Ordinal))
            return "the pickle refers to a tensor storage that is not in the archive (the file is damaged or truncated).";
        if (message.Contains("out of bounds for storage", StringComparison.Ordinal) || message.Contains("setStorage", StringComparison.Ordinal))
            return $"a tensor's storage offset or stride lies past the end of its storage ({message}); the file is damaged.";
        return $"could not be read as a torch.save zip checkpoint ({message}); the file may be truncated or not a state dict.";
    }
}
