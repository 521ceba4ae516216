using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.DataView;

/// <summary>A cursor of a <see cref="MappedDataView"/>, moving its input cursor.</summary>
internal sealed class MappedCursor : DataViewRowCursor
{
    private readonly DataViewRowCursor _input;
    private readonly ColumnMapping _mapping;
    private readonly Delegate?[] _getters;

    public MappedCursor(DataViewRowCursor input, ColumnMapping mapping, IEnumerable<DataViewSchema.Column> active)
    {
        _input = input;
        _mapping = mapping;
        _getters = MappedRow.Getters(input, mapping, active);
    }

    public override DataViewSchema Schema => _mapping.OutputSchema;

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override bool MoveNext() => _input.MoveNext();

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        _mapping.AddedAt(column.Index) is null ? _input.IsColumnActive(_mapping.InputSchema[column.Index]) : _getters[column.Index - _mapping.InputSchema.Count] is not null;

    public override ValueGetter<T> GetGetter<T>(DataViewSchema.Column column) => MappedRow.Getter<T>(_input, _mapping, _getters, column);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _input.Dispose();
        base.Dispose(disposing);
    }
}
