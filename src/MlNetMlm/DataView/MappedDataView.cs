using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.DataView;

/// <summary>The lazy result of a row-to-row transformer: the input data with added columns.</summary>
internal sealed class MappedDataView : IDataView
{
    private readonly IDataView _input;
    private readonly ColumnMapping _mapping;

    public MappedDataView(IDataView input, ColumnMapping mapping)
    {
        _input = input;
        _mapping = mapping;
    }

    public bool CanShuffle => _input.CanShuffle;

    public DataViewSchema Schema => _mapping.OutputSchema;

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = columnsNeeded.ToList();
        return new MappedCursor(_input.GetRowCursor(_mapping.Dependencies(active), rand), _mapping, active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var active = columnsNeeded.ToList();
        return _input.GetRowCursorSet(_mapping.Dependencies(active), n, rand)
            .Select(c => (DataViewRowCursor)new MappedCursor(c, _mapping, active)).ToArray();
    }
}
