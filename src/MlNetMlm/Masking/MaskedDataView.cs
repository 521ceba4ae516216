using Microsoft.ML;

namespace MlNetMlm.Masking;

/// <summary>
/// The input with masked ids and labels added. Each cursor draws fresh masks from its own key (see
/// <see cref="MaskTokensTransformer.CursorKey"/>), so every pass over the data is a new masking.
/// </summary>
internal sealed class MaskedDataView : IDataView
{
    private readonly IDataView _input;
    private readonly MaskTokensTransformer _transformer;
    private readonly DataViewSchema.Column _ids;

    public MaskedDataView(IDataView input, MaskTokensTransformer transformer, DataViewSchema.Column ids, DataViewSchema schema)
    {
        _input = input;
        _transformer = transformer;
        _ids = ids;
        Schema = schema;
    }

    public bool CanShuffle => _input.CanShuffle;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _input.GetRowCount();

    /// <summary>
    /// A non-null <paramref name="rand"/> seeds the masks (one <c>rand.Next()</c>, taken before the input
    /// cursor is opened with the same <paramref name="rand"/>); otherwise the transformer's seed and cursor count do.
    /// </summary>
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        int inputCount = _input.Schema.Count;
        var active = new bool[Schema.Count];
        var needed = new SortedDictionary<int, DataViewSchema.Column>();
        foreach (var column in columnsNeeded)
        {
            active[column.Index] = true;
            var source = column.Index < inputCount ? _input.Schema[column.Index] : _ids;
            needed[source.Index] = source;
        }
        ulong key = _transformer.CursorKey(rand);
        return new MaskingCursor(_input.GetRowCursor(needed.Values, rand), _transformer, _ids, Schema, active, key);
    }

    /// <summary>One cursor, so that which rows get which masks does not depend on how rows are split among threads.</summary>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];
}
