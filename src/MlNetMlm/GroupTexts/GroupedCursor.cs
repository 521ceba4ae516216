using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.GroupTexts;

/// <summary>
/// Reads input rows only as far as the next block needs, so memory stays at one block plus one row.
/// Column 0 of the schema is the block, column 1 (if present) its attention mask of ones.
/// </summary>
internal sealed class GroupedCursor : DataViewRowCursor
{
    private readonly DataViewRowCursor _input;
    private readonly ValueGetter<VBuffer<int>> _readIds;
    private readonly bool[] _active;
    private readonly int? _rowsPerGroup;
    private readonly TokenQueue _pending;
    private readonly int[] _block;
    private VBuffer<int> _row;
    private long _position = -1;
    private int _rowsInGroup;
    private bool _ended;

    public GroupedCursor(DataViewRowCursor input, DataViewSchema.Column ids, DataViewSchema schema, bool[] active, int blockSize, int? rowsPerGroup)
    {
        _input = input;
        _readIds = input.GetGetter<VBuffer<int>>(ids);
        Schema = schema;
        _active = active;
        _rowsPerGroup = rowsPerGroup;
        _block = new int[blockSize];
        _pending = new TokenQueue(2 * blockSize);
    }

    public override DataViewSchema Schema { get; }

    public override long Position => _position;

    public override long Batch => 0;

    public override bool MoveNext()
    {
        if (_ended) return false;
        while (_pending.Count < _block.Length)
        {
            if (_rowsInGroup == _rowsPerGroup)
            {
                // The group's rows are all read and its full blocks given out: drop its remainder.
                _pending.Clear();
                _rowsInGroup = 0;
            }
            if (!_input.MoveNext())
            {
                _ended = true;
                return false;
            }
            _readIds(ref _row);
            _pending.Append(_row);
            _rowsInGroup++;
        }
        _pending.Take(_block);
        _position++;
        return true;
    }

    public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

    public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (!_active[column.Index])
            throw new InvalidOperationException($"Column '{column.Name}' was not requested as active for this cursor.");
        ValueGetter<VBuffer<int>> getter = column.Index == 0 ? GetBlock : GetAttentionMask;
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' holds {column.Type}, read it as VBuffer<int>, not {typeof(TValue).Name}.");
    }

    private void GetBlock(ref VBuffer<int> value)
    {
        EnsureOnRow();
        var editor = VBufferEditor.Create(ref value, _block.Length);
        _block.CopyTo(editor.Values);
        value = editor.Commit();
    }

    private void GetAttentionMask(ref VBuffer<int> value)
    {
        EnsureOnRow();
        var editor = VBufferEditor.Create(ref value, _block.Length);
        editor.Values.Fill(1);
        value = editor.Commit();
    }

    private void EnsureOnRow()
    {
        if (_position < 0 || _ended) throw new InvalidOperationException("GroupTexts: the cursor is not on a block; call MoveNext first and read only while it returns true.");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _input.Dispose();
        base.Dispose(disposing);
    }
}
