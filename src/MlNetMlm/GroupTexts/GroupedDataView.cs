using Microsoft.ML;

namespace MlNetMlm.GroupTexts;

/// <summary>
/// The blocks of <see cref="GroupTextsMode.Concatenate"/> mode: a lazy view whose rows are blocks cut
/// from the input's id stream. The count is unknown until the input is read, and block order is
/// fixed by input order, so the view neither counts nor shuffles.
/// </summary>
internal sealed class GroupedDataView : IDataView
{
    private readonly IDataView _input;
    private readonly DataViewSchema.Column _ids;
    private readonly int _blockSize;
    private readonly int? _rowsPerGroup;

    public GroupedDataView(IDataView input, DataViewSchema.Column ids, DataViewSchema schema, int blockSize, int? rowsPerGroup)
    {
        _input = input;
        _ids = ids;
        Schema = schema;
        _blockSize = blockSize;
        _rowsPerGroup = rowsPerGroup;
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => null;

    /// <summary><paramref name="rand"/> is ignored: blocks always come in input order (<see cref="CanShuffle"/> is false).</summary>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        var active = new bool[Schema.Count];
        foreach (var column in columnsNeeded) active[column.Index] = true;
        return new GroupedCursor(_input.GetRowCursor([_ids]), _ids, Schema, active, _blockSize, _rowsPerGroup);
    }

    /// <summary>One cursor: the blocks depend on reading the input in order.</summary>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];
}
