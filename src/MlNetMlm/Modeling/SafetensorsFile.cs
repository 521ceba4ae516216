using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace MlNetMlm.Modeling;

/// <summary>One tensor's entry in a safetensors header.</summary>
internal sealed record SafetensorsHeaderEntry(string Name, string DType, long[] Shape, long Begin, long End);

/// <summary>
/// The safetensors layout: an 8-byte little-endian header length, a JSON header
/// (<c>{"__metadata__": {...}, "name": {"dtype", "shape", "data_offsets": [begin, end]}, ...}</c>,
/// offsets relative to the end of the header), then the raw little-endian tensor bytes.
/// The header reader here validates a file before anything is read from it; the writer
/// produces what Hugging Face's <c>save_file</c> produces.
/// </summary>
internal static class SafetensorsFile
{
    /// <summary>Bytes per element of each safetensors dtype this project reads or writes.</summary>
    private static readonly Dictionary<string, (int Size, ScalarType Type)> DTypes = new()
    {
        ["F64"] = (8, ScalarType.Float64),
        ["F32"] = (4, ScalarType.Float32),
        ["F16"] = (2, ScalarType.Float16),
        ["BF16"] = (2, ScalarType.BFloat16),
        ["I64"] = (8, ScalarType.Int64),
        ["I32"] = (4, ScalarType.Int32),
        ["I16"] = (2, ScalarType.Int16),
        ["I8"] = (1, ScalarType.Int8),
        ["U8"] = (1, ScalarType.Byte),
        ["BOOL"] = (1, ScalarType.Bool),
    };

    /// <summary>
    /// Reads and checks the header of <paramref name="path"/>: known dtypes, byte ranges that match
    /// the shapes, do not overlap and lie inside the file (a truncated file fails here, naming the
    /// first tensor that does not fit).
    /// </summary>
    public static (IReadOnlyList<SafetensorsHeaderEntry> Entries, IReadOnlyDictionary<string, string> Metadata, long HeaderSize) ReadHeader(string path)
    {
        using var stream = File.OpenRead(path);
        long fileLength = stream.Length;
        Span<byte> lengthBytes = stackalloc byte[8];
        if (fileLength < 8 || stream.Read(lengthBytes) != 8)
            throw new InvalidDataException($"{path}: too short to be a safetensors file ({fileLength} bytes).");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)(fileLength - 8) || headerLength > 100_000_000)
            throw new InvalidDataException($"{path}: header claims {headerLength} bytes but the file has only {fileLength - 8} after the length field (truncated or not safetensors).");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        if (!System.Text.Unicode.Utf8.IsValid(headerBytes))
            throw new InvalidDataException($"{path}: header is not valid UTF-8 (truncated, damaged or not safetensors).");

        JsonObject header;
        try
        {
            header = JsonNode.Parse(headerBytes) as JsonObject ?? throw new InvalidDataException($"{path}: header is not a JSON object.");
            _ = header.Count; // materializes the properties: a repeated name fails here
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: header is not valid JSON ({e.Message}).", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: header names a tensor twice ({e.Message}).", e);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidDataException($"{path}: header holds a name that is not a valid string ({e.Message}).", e);
        }

        long dataLength = fileLength - 8 - (long)headerLength;
        var entries = new List<SafetensorsHeaderEntry>();
        var metadata = new Dictionary<string, string>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                if (node is JsonObject meta)
                    foreach (var (k, v) in meta) metadata[k] = v?.ToString() ?? "";
                continue;
            }
            var (dtype, shape, begin, end) = ReadEntry(path, name, node, dataLength);
            entries.Add(new SafetensorsHeaderEntry(name, dtype, shape, begin, end));
        }
        var ordered = entries.OrderBy(e => e.Begin).ToList();
        for (int i = 1; i < ordered.Count; i++)
            if (ordered[i].Begin < ordered[i - 1].End)
                throw new InvalidDataException($"{path}: tensors '{ordered[i - 1].Name}' and '{ordered[i].Name}' overlap in the data section.");
        return (entries, metadata, (long)headerLength);
    }

    /// <summary>One header entry, every number checked: known dtype, non-negative dimensions whose product
    /// (in checked 64-bit arithmetic) times the element size is exactly the byte range, inside the data section.</summary>
    private static (string DType, long[] Shape, long Begin, long End) ReadEntry(string path, string name, JsonNode? node, long dataLength)
    {
        if (node is not JsonObject o || o["dtype"] is not JsonValue dtypeNode || o["shape"] is not JsonArray shapeNode || o["data_offsets"] is not JsonArray offsets || offsets.Count != 2)
            throw new InvalidDataException($"{path}: header entry '{name}' lacks dtype, shape or data_offsets; expected {{\"dtype\": \"F32\", \"shape\": [..], \"data_offsets\": [begin, end]}}.");
        if (!dtypeNode.TryGetValue(out string? dtype) || !DTypes.TryGetValue(dtype, out var info))
            throw new InvalidDataException($"{path}: tensor '{name}' has dtype {dtypeNode.ToJsonString()}, which is not supported (expected one of {string.Join(", ", DTypes.Keys)}).");
        static bool Integer(JsonNode? n, out long value)
        {
            value = 0;
            return n is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out value);
        }
        var shape = new long[shapeNode.Count];
        for (int i = 0; i < shape.Length; i++)
            if (!Integer(shapeNode[i], out shape[i]) || shape[i] < 0)
                throw new InvalidDataException($"{path}: tensor '{name}' has shape {shapeNode.ToJsonString()}; expected non-negative integers.");
        if (!Integer(offsets[0], out long begin) || !Integer(offsets[1], out long end) || begin < 0 || end < begin)
            throw new InvalidDataException($"{path}: tensor '{name}' has data_offsets {offsets.ToJsonString()}; expected two integers 0 <= begin <= end.");
        long expected;
        try
        {
            expected = checked(shape.Aggregate(1L, (a, d) => checked(a * d)) * info.Size);
        }
        catch (OverflowException)
        {
            throw new InvalidDataException($"{path}: tensor '{name}' {dtype}[{string.Join(", ", shape)}] has more bytes than 64 bits can count; the header is damaged.");
        }
        if (end - begin != expected)
            throw new InvalidDataException($"{path}: tensor '{name}' {dtype}[{string.Join(", ", shape)}] needs {expected} bytes but data_offsets are [{begin}, {end}].");
        if (end > dataLength)
            throw new InvalidDataException($"{path}: file is truncated: tensor '{name}' ends at byte {end} of the data section, which holds only {dataLength} bytes.");
        return (dtype, shape, begin, end);
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> in Hugging Face's layout: <c>__metadata__</c> {"format": "pt"} first,
    /// tensors sorted by name and stored back to back, header padded with spaces to a multiple of 8 bytes.
    /// </summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors) =>
        Files.AtomicFile.Write(path, stream => Write(stream, tensors), overwrite: false);

    /// <summary>Writes the safetensors bytes of <paramref name="tensors"/> to <paramref name="stream"/> (left open).</summary>
    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var names = tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        long offset = 0;
        foreach (string name in names)
        {
            var t = tensors[name];
            string dtype = DTypes.First(kv => kv.Value.Type == t.dtype).Key;
            long length = t.numel() * DTypes[dtype].Size;
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(t.shape.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + length),
            };
            offset += length;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;

        Span<byte> lengthBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)padded);
        stream.Write(lengthBytes);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (string name in names)
        {
            using var scope = NewDisposeScope();
            // safetensors stores little-endian row-major data, which is what a contiguous CPU tensor holds on x64/arm64.
            var data = tensors[name].detach().cpu().contiguous();
            stream.Write(data.bytes);
        }
    }

    /// <summary>
    /// Reads every tensor of a file whose header <see cref="ReadHeader"/> accepts (with no reflection-based JSON,
    /// so it works where that is disabled). The caller owns the tensors.
    /// </summary>
    public static Dictionary<string, Tensor> ReadTensors(string path)
    {
        var (entries, _, headerSize) = ReadHeader(path);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            long dataStart = 8 + headerSize;
            foreach (var entry in entries.OrderBy(e => e.Begin))
            {
                var tensor = empty(entry.Shape, ScalarTypeOf(entry.DType));
                result.Add(entry.Name, tensor);
                stream.Position = dataStart + entry.Begin;
                ReadInto(stream, tensor, entry.End - entry.Begin, path, entry.Name);
            }
            return result;
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
    }

    // safetensors stores little-endian row-major data, which is what a contiguous CPU tensor holds on x64/arm64.
    private static void ReadInto(Stream stream, Tensor tensor, long length, string path, string name)
    {
        if (length > Array.MaxLength)
            throw new InvalidDataException($"{path}: tensor '{name}' holds {length} bytes; tensors over 2 GiB are not supported.");
        var data = GC.AllocateUninitializedArray<byte>((int)length);
        if (stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false) != data.Length)
            throw new InvalidDataException($"{path}: file is truncated inside tensor '{name}'.");
        tensor.bytes = data;
    }

    internal static ScalarType ScalarTypeOf(string dtype) => DTypes[dtype].Type;

    internal static bool IsKnownDType(ScalarType type) => DTypes.Values.Any(v => v.Type == type);
}
