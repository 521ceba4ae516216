using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.Masking;

/// <summary>
/// Moves the input cursor; input columns pass through, and the two added columns (masked ids, then
/// labels, the last two of the schema) are computed once per row when first read. Row i draws from
/// its own generator derived from (cursor key, i), so the masks do not depend on which columns or rows
/// the reader skips.
/// </summary>
internal sealed class MaskingCursor : DataViewRowCursor
{
    private readonly DataViewRowCursor _input;
    private readonly MaskTokensTransformer _transformer;
    private readonly DataViewSchema.Column _ids;
    private readonly bool[] _active;
    private readonly ulong _key;
    private readonly int _maskedIndex;
    private readonly ValueGetter<VBuffer<int>>? _readIds;
    private VBuffer<int> _source;
    private int[] _masked = [];
    private int[] _labels = [];
    private int _length;
    private long _computedAt = -1;

    public MaskingCursor(DataViewRowCursor input, MaskTokensTransformer transformer, DataViewSchema.Column ids, DataViewSchema schema, bool[] active, ulong key)
    {
        _input = input;
        _transformer = transformer;
        _ids = ids;
        Schema = schema;
        _active = active;
        _key = key;
        _maskedIndex = schema.Count - 2;
        if (active[_maskedIndex] || active[_maskedIndex + 1]) _readIds = input.GetGetter<VBuffer<int>>(ids);
    }

    public override DataViewSchema Schema { get; }

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override bool MoveNext() => _input.MoveNext();

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        column.Index < _maskedIndex ? _input.IsColumnActive(_input.Schema[column.Index]) : _active[column.Index];

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (column.Index < _maskedIndex) return _input.GetGetter<TValue>(_input.Schema[column.Index]);
        if (!_active[column.Index])
            throw new InvalidOperationException($"Column '{column.Name}' was not requested as active for this cursor.");
        ValueGetter<VBuffer<int>> getter = column.Index == _maskedIndex ? GetMasked : GetLabels;
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' holds {column.Type}, read it as VBuffer<int>, not {typeof(TValue).Name}.");
    }

    private void GetMasked(ref VBuffer<int> value) => Copy(Compute()._masked, ref value);

    private void GetLabels(ref VBuffer<int> value) => Copy(Compute()._labels, ref value);

    private void Copy(int[] source, ref VBuffer<int> value)
    {
        var editor = VBufferEditor.Create(ref value, _length);
        source.AsSpan(0, _length).CopyTo(editor.Values);
        value = editor.Commit();
    }

    private MaskingCursor Compute()
    {
        long position = _input.Position;
        if (position < 0) throw new InvalidOperationException("MaskTokens: the cursor is not on a row; call MoveNext first.");
        if (position == _computedAt) return this;
        _readIds!(ref _source);
        _length = _source.Length;
        if (_masked.Length < _length)
        {
            _masked = new int[_length];
            _labels = new int[_length];
        }
        var ids = _source.IsDense ? _source.GetValues() : _source.DenseValues().ToArray();
        var rng = Xoshiro256.ForRow(_key, position);
        int bad = _transformer.Masker.Mask(ids, _masked.AsSpan(0, _length), _labels.AsSpan(0, _length), ref rng);
        if (bad >= 0)
            throw new InvalidOperationException(
                $"MaskTokens: column '{_ids.Name}' holds token id {ids[bad]} (row {position}, position {bad}), outside [0, {_transformer.VocabularySize}): " +
                "VocabularySize and the other ids in MaskTokensOptions must match the tokenizer that made the ids.");
        _computedAt = position;
        return this;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _input.Dispose();
        base.Dispose(disposing);
    }
}
