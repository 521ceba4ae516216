using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.Loading;

/// <summary>
/// What the loaders' cursors share: rows in file order whose columns are read into <see cref="Json.JsonSlot"/>s,
/// with a getter for each active column (null for the others).
/// </summary>
internal abstract class SlotCursor(DataViewSchema schema, int columns) : DataViewRowCursor
{
    protected readonly Delegate?[] Getters = new Delegate?[columns];

    protected long RowPosition = -1;

    public override DataViewSchema Schema => schema;

    public override long Position => RowPosition;

    public override long Batch => 0;

    public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)RowPosition, 0);

    public override bool IsColumnActive(DataViewSchema.Column column) => Getters[column.Index] is not null;

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        var getter = Getters[column.Index] ?? throw new InvalidOperationException($"Column '{column.Name}' was not requested as active for this cursor.");
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' holds {column.Type}, not {typeof(TValue).Name}.");
    }
}
