using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.DataView;

namespace MlNetMlm.Training;

/// <summary>One training example: token ids, labels (-100 where ignored), and an optional attention mask.</summary>
internal readonly record struct TrainingBlock(int[] Ids, int[] Labels, int[]? AttentionMask);

/// <summary>
/// Reads the blocks of one pass over the data. Each call opens a new cursor, so the masking step
/// upstream draws fresh masks; the <c>rand</c> passed to the cursor makes them reproducible (the masking component
/// seeds its cursor from it). The pass is written once to a temporary file and only the blocks' positions in it are
/// kept (<see cref="EpochBlocks"/>), so memory stays flat however large the data; the trainer shuffles positions.
/// </summary>
internal static class TrainingBlocks
{
    public static (DataViewSchema.Column Ids, DataViewSchema.Column Labels, DataViewSchema.Column? Mask) Columns(DataViewSchema schema, MaskedLmTrainerOptions options, string component)
    {
        var ids = SchemaChecks.RequireVector(schema, options.InputIdsColumnName, NumberDataViewType.Int32, component);
        var labels = SchemaChecks.RequireVector(schema, options.LabelsColumnName, NumberDataViewType.Int32, component);
        var maskColumn = schema.GetColumnOrNull(options.AttentionMaskColumnName);
        DataViewSchema.Column? mask = maskColumn is { IsHidden: false } ? SchemaChecks.RequireVector(schema, options.AttentionMaskColumnName, NumberDataViewType.Int32, component) : null;
        return (ids, labels, mask);
    }

    public static EpochBlocks Read(IDataView data, MaskedLmTrainerOptions options, Random rand, string component, CancellationToken cancel)
    {
        var (idsColumn, labelsColumn, maskColumn) = Columns(data.Schema, options, component);
        var active = maskColumn is { } m ? new[] { idsColumn, labelsColumn, m } : new[] { idsColumn, labelsColumn };
        var blocks = new EpochBlocks();
        using var cursor = data.GetRowCursor(active, rand);
        var idsGetter = cursor.GetGetter<VBuffer<int>>(idsColumn);
        var labelsGetter = cursor.GetGetter<VBuffer<int>>(labelsColumn);
        var maskGetter = maskColumn is { } mc ? cursor.GetGetter<VBuffer<int>>(mc) : null;
        VBuffer<int> ids = default, labels = default, mask = default;
        while (cursor.MoveNext())
        {
            cancel.ThrowIfCancellationRequested();
            idsGetter(ref ids);
            labelsGetter(ref labels);
            if (ids.Length != labels.Length)
                throw new InvalidDataException($"{component}: row {cursor.Position} has {ids.Length} ids but {labels.Length} labels; '{options.LabelsColumnName}' must match '{options.InputIdsColumnName}' position by position.");
            if (ids.Length == 0) continue;
            if (maskGetter is not null)
            {
                maskGetter(ref mask);
                if (mask.Length != ids.Length)
                    throw new InvalidDataException($"{component}: row {cursor.Position} has {ids.Length} ids but an attention mask of {mask.Length}.");
            }
            blocks.Add(ids, labels, maskGetter is null ? null : mask);
        }
        return blocks;
    }
}

/// <summary>
/// One pass's blocks in a temporary file (deleted when disposed or when the process ends), read back by position:
/// memory holds one offset per block, not the blocks.
/// </summary>
internal sealed class EpochBlocks : IReadOnlyList<TrainingBlock>, IDisposable
{
    private readonly FileStream _file = new(Path.Combine(Path.GetTempPath(), $"mlnetmlm-blocks-{Guid.NewGuid():N}.bin"),
        FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
    private readonly List<long> _offsets = [];
    private byte[] _record = [];

    public int Count => _offsets.Count;

    // record: length, has-mask flag, ids, labels[, mask] as little-endian Int32
    internal void Add(VBuffer<int> ids, VBuffer<int> labels, VBuffer<int>? mask)
    {
        int length = ids.Length, size = 8 + 4 * length * (mask is null ? 2 : 3);
        if (_record.Length < size) _record = new byte[size];
        var ints = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(_record.AsSpan(0, size));
        ints[0] = length;
        ints[1] = mask is null ? 0 : 1;
        ids.DenseValues().ToArray().CopyTo(ints[2..]);
        labels.DenseValues().ToArray().CopyTo(ints[(2 + length)..]);
        if (mask is { } m) m.DenseValues().ToArray().CopyTo(ints[(2 + 2 * length)..]);
        _offsets.Add(_file.Length);
        _file.Seek(0, SeekOrigin.End);
        _file.Write(_record, 0, size);
    }

    public TrainingBlock this[int index]
    {
        get
        {
            _file.Position = _offsets[index];
            Span<int> head = stackalloc int[2];
            _file.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(head));
            int length = head[0];
            var ids = new int[length];
            var labels = new int[length];
            var mask = head[1] == 1 ? new int[length] : null;
            _file.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(ids.AsSpan()));
            _file.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(labels.AsSpan()));
            if (mask is not null) _file.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(mask.AsSpan()));
            return new TrainingBlock(ids, labels, mask);
        }
    }

    public List<TrainingBlock> GetRange(int start, int count) => Enumerable.Range(start, count).Select(i => this[i]).ToList();

    public IEnumerator<TrainingBlock> GetEnumerator()
    {
        for (int i = 0; i < Count; i++) yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose() => _file.Dispose();
}
