using System.Buffers;

using System.Text.Encodings.Web;
using System.Text.Json;
using ParquetSharp;
using MlNetMlm.Json;

namespace MlNetMlm.Loading;

/// <summary>
/// The leaf columns of one row group that a pass needs, read whole (memory is about one row group), and
/// the walk over their definition and repetition levels that rebuilds each row's values field by field:
/// a field is null where its first leaf's definition level is below the field's; a list goes on while
/// the next entry repeats at the list's repetition level.
/// </summary>
internal sealed class ParquetRowGroup
{
    private sealed class Leaf
    {
        public short[] Definitions = [];
        public short[]? Repetitions;
        public int Count;
        public int Position;      // next level entry
        public int Value;         // next non-null value
        public double[]? Numbers;
        public bool[]? Booleans;
        public byte[]? Bytes;     // strings, one after the other
        public int[]? Offsets;    // string i is Bytes[Offsets[i]..Offsets[i + 1]]
    }

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Leaf?[] _leaves;
    private readonly ArrayBufferWriter<byte> _json = new();
    private Utf8JsonWriter? _writer;

    public long Rows { get; }

    /// <summary>Reads the leaves of <paramref name="fields"/> from row group <paramref name="index"/>.</summary>
    public ParquetRowGroup(ParquetFileReader file, int index, IEnumerable<ParquetField> fields)
    {
        using var group = file.RowGroup(index);
        Rows = group.MetaData.NumRows;
        _leaves = new Leaf?[group.MetaData.NumColumns];
        foreach (var field in fields)
            for (int c = field.FirstLeaf; c < field.FirstLeaf + field.LeafCount; c++)
                _leaves[c] ??= ReadLeaf(group, c);
    }

    private static Leaf ReadLeaf(RowGroupReader group, int column)
    {
        long levels = group.MetaData.GetColumnChunkMetaData(column).NumValues;
        var leaf = new Leaf { Definitions = new short[levels], Count = (int)levels };
        using var reader = group.Column(column);
        if (reader.ColumnDescriptor.MaxRepetitionLevel > 0) leaf.Repetitions = new short[levels];
        switch (reader)
        {
            case ColumnReader<ByteArray> strings: ReadStrings(strings, leaf); break;
            case ColumnReader<int> ints: leaf.Numbers = ReadValues(ints, leaf, levels, v => (double)v); break;
            case ColumnReader<long> longs: leaf.Numbers = ReadValues(longs, leaf, levels, v => (double)v); break;
            case ColumnReader<float> floats: leaf.Numbers = ReadValues(floats, leaf, levels, v => (double)v); break;
            case ColumnReader<double> doubles: leaf.Numbers = ReadValues(doubles, leaf, levels, v => v); break;
            case ColumnReader<bool> booleans: leaf.Booleans = ReadValues(booleans, leaf, levels, v => v); break;
            default: throw new InvalidDataException($"column {reader.ColumnDescriptor.Path.ToDotString()} has physical type {reader.Type}, which is not read.");
        }
        return leaf;
    }

    private static TOut[] ReadValues<TIn, TOut>(ColumnReader<TIn> reader, Leaf leaf, long levels, Func<TIn, TOut> convert) where TIn : unmanaged
    {
        var raw = new TIn[levels];
        long at = 0, values = 0;
        while (reader.HasNext && at < levels)
        {
            long read = reader.ReadBatch(levels - at, leaf.Definitions.AsSpan((int)at), leaf.Repetitions is null ? default : leaf.Repetitions.AsSpan((int)at),
                raw.AsSpan((int)values), out long valuesRead);
            at += read;
            values += valuesRead;
        }
        leaf.Count = (int)at;
        var result = new TOut[values];
        for (long i = 0; i < values; i++) result[i] = convert(raw[i]);
        return result;
    }

    private static unsafe void ReadStrings(ColumnReader<ByteArray> reader, Leaf leaf)
    {
        int levels = leaf.Definitions.Length, at = 0, values = 0, bytes = 0;
        var batch = new ByteArray[Math.Min(levels, 4096)];
        var offsets = new int[levels + 1];
        var blob = new byte[1 << 16];
        while (reader.HasNext && at < levels)
        {
            int want = Math.Min(batch.Length, levels - at);
            long read = reader.ReadBatch(want, leaf.Definitions.AsSpan(at, want), leaf.Repetitions is null ? default : leaf.Repetitions.AsSpan(at, want), batch, out long valuesRead);
            // The values point into the reader's page buffer, valid only until the next read: copy them.
            for (int i = 0; i < valuesRead; i++)
            {
                int length = batch[i].Length;
                if (bytes + length > blob.Length) Array.Resize(ref blob, Math.Max(blob.Length * 2, bytes + length));
                new ReadOnlySpan<byte>((void*)batch[i].Pointer, length).CopyTo(blob.AsSpan(bytes));
                bytes += length;
                offsets[++values] = bytes;
            }
            at += (int)read;
        }
        leaf.Count = at;
        leaf.Bytes = blob;
        leaf.Offsets = offsets;
    }

    /// <summary>Reads the current row's value of <paramref name="field"/> into <paramref name="slot"/> as <paramref name="kind"/>.</summary>
    public void Read(ParquetField field, JsonColumnKind kind, JsonSlot slot)
    {
        slot.Clear();
        if (kind == JsonColumnKind.Json)
        {
            if (IsNull(field)) { Skip(field); return; }
            _json.ResetWrittenCount();
            if (_writer is null) _writer = new Utf8JsonWriter(_json, WriterOptions);
            else _writer.Reset(_json);
            WriteJson(field, _writer);
            _writer.Flush();
            if (slot.Active) slot.Text = System.Text.Encoding.UTF8.GetString(_json.WrittenSpan).AsMemory();
            return;
        }
        if (field.Form == ParquetField.Shape.Leaf)
        {
            ReadLeafValue(field, slot, kind);
            return;
        }
        // a list of scalars
        if (IsNull(field) || IsEmpty(field)) { Skip(field); return; }
        do ReadLeafValue(field.Element!, slot, kind);
        while (MoreElements(field));
    }

    private void ReadLeafValue(ParquetField field, JsonSlot slot, JsonColumnKind kind)
    {
        var leaf = _leaves[field.FirstLeaf]!;
        bool present = leaf.Definitions[leaf.Position++] >= field.Definition;
        int value = present ? leaf.Value++ : -1;
        switch (kind)
        {
            case JsonColumnKind.Text when present:
                if (slot.Active) slot.Text = Text(leaf, value).AsMemory();
                break;
            case JsonColumnKind.TextVector:
                if (slot.Active) slot.Texts.Add(present ? Text(leaf, value).AsMemory() : ReadOnlyMemory<char>.Empty);
                break;
            case JsonColumnKind.Number when present:
                slot.Number = leaf.Numbers![value];
                break;
            case JsonColumnKind.NumberVector:
                slot.Numbers.Add(present ? leaf.Numbers![value] : double.NaN);
                break;
            case JsonColumnKind.Boolean when present:
                slot.Boolean = leaf.Booleans![value];
                break;
        }
    }

    private void WriteJson(ParquetField field, Utf8JsonWriter writer)
    {
        if (IsNull(field))
        {
            Skip(field);
            writer.WriteNullValue();
            return;
        }
        switch (field.Form)
        {
            case ParquetField.Shape.Leaf:
                var leaf = _leaves[field.FirstLeaf]!;
                leaf.Position++;
                int value = leaf.Value++;
                if (leaf.Bytes is not null) writer.WriteStringValue(Text(leaf, value));
                else if (leaf.Booleans is not null) writer.WriteBooleanValue(leaf.Booleans[value]);
                else if (double.IsFinite(leaf.Numbers![value])) writer.WriteNumberValue(leaf.Numbers[value]);
                else writer.WriteNullValue(); // NaN and infinities have no JSON form
                return;
            case ParquetField.Shape.Struct:
                writer.WriteStartObject();
                foreach (var child in field.Children)
                {
                    writer.WritePropertyName(child.Name.AsSpan(field.Name.Length + 1));
                    WriteJson(child, writer);
                }
                writer.WriteEndObject();
                return;
            default:
                writer.WriteStartArray();
                if (IsEmpty(field)) Skip(field);
                else
                {
                    do WriteJson(field.Element!, writer);
                    while (MoreElements(field));
                }
                writer.WriteEndArray();
                return;
        }
    }

    private bool IsNull(ParquetField field)
    {
        var leaf = _leaves[field.FirstLeaf]!;
        return leaf.Definitions[leaf.Position] < field.Definition;
    }

    private bool IsEmpty(ParquetField list)
    {
        var leaf = _leaves[list.FirstLeaf]!;
        return leaf.Definitions[leaf.Position] < list.ElementsDefinition;
    }

    private bool MoreElements(ParquetField list)
    {
        var leaf = _leaves[list.FirstLeaf]!;
        return leaf.Position < leaf.Count && leaf.Repetitions![leaf.Position] == list.Repetition;
    }

    /// <summary>Passes over a null field or an empty list: each leaf under it has exactly one entry for it.</summary>
    private void Skip(ParquetField field)
    {
        for (int c = field.FirstLeaf; c < field.FirstLeaf + field.LeafCount; c++) _leaves[c]!.Position++;
    }

    private static string Text(Leaf leaf, int value) =>
        System.Text.Encoding.UTF8.GetString(leaf.Bytes.AsSpan(leaf.Offsets![value], leaf.Offsets[value + 1] - leaf.Offsets[value]));
}
