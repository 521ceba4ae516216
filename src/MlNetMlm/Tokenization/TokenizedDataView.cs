using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.Tokenization;

/// <summary>The lazily tokenized view returned by <see cref="RobertaTokenizingTransformer.Transform"/>.</summary>
internal sealed class TokenizedDataView(IDataView input, TokenizingBinding binding) : IDataView
{
    public bool CanShuffle => input.CanShuffle;
    public DataViewSchema Schema => binding.OutputSchema;
    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var wanted = columnsNeeded.ToList();
        return new TokenizedCursor(input.GetRowCursor(binding.InputColumnsFor(wanted), rand), binding, wanted);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var wanted = columnsNeeded.ToList();
        return input.GetRowCursorSet(binding.InputColumnsFor(wanted), n, rand)
            .Select(cursor => (DataViewRowCursor)new TokenizedCursor(cursor, binding, wanted))
            .ToArray();
    }
}

/// <summary>
/// Per-row state shared by the row and the cursor: the ids of the current row, computed on the first
/// getter call for that row. One instance belongs to one row or cursor, which ML.NET uses from one thread.
/// </summary>
internal sealed class TokenizedRowState
{
    private readonly DataViewRow _input;
    private readonly TokenizingBinding _binding;
    private readonly bool[] _active;
    private ValueGetter<ReadOnlyMemory<char>>? _textGetter;
    private ReadOnlyMemory<char> _text;
    private long _cachedPosition = -1;
    private string? _cachedText;
    private int[] _ids = [];

    public TokenizedRowState(DataViewRow input, TokenizingBinding binding, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        _input = input;
        _binding = binding;
        _active = new bool[binding.OutputSchema.Count];
        foreach (var column in activeColumns) _active[column.Index] = true;
    }

    public bool IsColumnActive(DataViewSchema.Column column) =>
        _active[column.Index] && (_binding.IsComputed(column.Index) || _input.IsColumnActive(_binding.InputSchema[column.Index]));

    public ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (!_active[column.Index])
            throw new InvalidOperationException($"Column '{column.Name}' was not requested when this row/cursor was made.");
        if (!_binding.IsComputed(column.Index))
            return _input.GetGetter<TValue>(_binding.InputSchema[column.Index]);
        if (typeof(TValue) != typeof(VBuffer<int>))
            throw new InvalidOperationException($"Column '{column.Name}' holds VBuffer<Int32> (a vector of Int32), not {typeof(TValue).Name}.");

        ValueGetter<VBuffer<int>> getter = column.Index == _binding.IdsIndex
            ? (ref VBuffer<int> value) => Write(CurrentIds(), fillWithOnes: false, ref value)
            : (ref VBuffer<int> value) => Write(CurrentIds(), fillWithOnes: true, ref value);
        return (ValueGetter<TValue>)(Delegate)getter;
    }

    /// <summary>Ids of the current row; re-tokenizes only when the row or its text changed.</summary>
    private int[] CurrentIds()
    {
        _textGetter ??= _input.GetGetter<ReadOnlyMemory<char>>(_binding.TextColumn);
        _textGetter(ref _text);
        // A row (unlike a cursor) may be refilled without its Position moving (PredictionEngine), so the text is compared too.
        if (_cachedText is not null && _cachedPosition == _input.Position && _text.Span.SequenceEqual(_cachedText))
            return _ids;
        _cachedText = _text.ToString();
        _cachedPosition = _input.Position;
        _ids = _binding.Tokenize(_cachedText);
        return _ids;
    }

    private static void Write(int[] ids, bool fillWithOnes, ref VBuffer<int> value)
    {
        var editor = VBufferEditor.Create(ref value, ids.Length);
        if (fillWithOnes) editor.Values.Fill(1);
        else ids.CopyTo(editor.Values);
        value = editor.Commit();
    }
}

/// <summary>A tokenized row over an input row (used by the row mapper).</summary>
internal sealed class TokenizedRow(DataViewRow input, TokenizingBinding binding, IEnumerable<DataViewSchema.Column> activeColumns, bool ownsInput) : DataViewRow
{
    private readonly TokenizedRowState _state = new(input, binding, activeColumns);

    public override long Position => input.Position;
    public override long Batch => input.Batch;
    public override DataViewSchema Schema => binding.OutputSchema;
    public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
    public override bool IsColumnActive(DataViewSchema.Column column) => _state.IsColumnActive(column);
    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _state.GetGetter<TValue>(column);

    protected override void Dispose(bool disposing)
    {
        if (disposing && ownsInput) input.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>A tokenized cursor over an input cursor.</summary>
internal sealed class TokenizedCursor(DataViewRowCursor input, TokenizingBinding binding, IEnumerable<DataViewSchema.Column> activeColumns) : DataViewRowCursor
{
    private readonly TokenizedRowState _state = new(input, binding, activeColumns);

    public override long Position => input.Position;
    public override long Batch => input.Batch;
    public override DataViewSchema Schema => binding.OutputSchema;
    public override bool MoveNext() => input.MoveNext();
    public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
    public override bool IsColumnActive(DataViewSchema.Column column) => _state.IsColumnActive(column);
    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _state.GetGetter<TValue>(column);

    protected override void Dispose(bool disposing)
    {
        if (disposing) input.Dispose();
        base.Dispose(disposing);
    }
}
