using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.Splitting;

/// <summary>
/// The rows of a view whose row number has <c>selected[row] == keep</c>, in the source's order. The source
/// must give its rows in the same order on every cursor (loaders and row-to-row transforms do).
/// </summary>
internal sealed class RowSubsetDataView(IDataView source, bool[] selected, bool keep, long count) : IDataView
{
    public bool CanShuffle => false;

    public DataViewSchema Schema => source.Schema;

    public long? GetRowCount() => count;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(source.GetRowCursor(columnsNeeded), selected, keep);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(DataViewRowCursor input, bool[] selected, bool keep) : DataViewRowCursor
    {
        private long _sourceRow = -1;
        private long _position = -1;

        public override DataViewSchema Schema => input.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool MoveNext()
        {
            while (input.MoveNext())
            {
                _sourceRow++;
                if (_sourceRow >= selected.Length)
                    throw new InvalidOperationException($"The data gave more rows than the {selected.Length} counted when it was split; split a view whose rows do not change between passes.");
                if (selected[_sourceRow] != keep) continue;
                _position++;
                return true;
            }
            return false;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => input.IsColumnActive(column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => input.GetGetter<TValue>(column);

        protected override void Dispose(bool disposing)
        {
            if (disposing) input.Dispose();
            base.Dispose(disposing);
        }
    }
}
