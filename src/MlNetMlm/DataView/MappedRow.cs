using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.DataView;

/// <summary>A row of a <see cref="ColumnMapping"/>: input columns pass through, added ones are computed from the input row.</summary>
internal sealed class MappedRow : DataViewRow
{
    private readonly DataViewRow _input;
    private readonly ColumnMapping _mapping;
    private readonly Delegate?[] _getters;

    public MappedRow(DataViewRow input, ColumnMapping mapping, IEnumerable<DataViewSchema.Column> active)
    {
        _input = input;
        _mapping = mapping;
        _getters = Getters(input, mapping, active);
    }

    internal static Delegate?[] Getters(DataViewRow input, ColumnMapping mapping, IEnumerable<DataViewSchema.Column> active)
    {
        var getters = new Delegate?[mapping.Added.Count];
        foreach (var column in active)
            if (mapping.AddedAt(column.Index) is { } added)
                getters[column.Index - mapping.InputSchema.Count] = added.MakeGetter(input);
        return getters;
    }

    internal static ValueGetter<T> Getter<T>(DataViewRow input, ColumnMapping mapping, Delegate?[] getters, DataViewSchema.Column column)
    {
        if (mapping.AddedAt(column.Index) is null) return input.GetGetter<T>(mapping.InputSchema[column.Index]);
        var getter = getters[column.Index - mapping.InputSchema.Count]
            ?? throw new InvalidOperationException($"Column '{column.Name}' was not requested as active for this row or cursor.");
        return getter as ValueGetter<T>
            ?? throw new InvalidOperationException($"Column '{column.Name}' holds {column.Type}, not {typeof(T).Name}.");
    }

    public override DataViewSchema Schema => _mapping.OutputSchema;

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) =>
        _mapping.AddedAt(column.Index) is null ? _input.IsColumnActive(_mapping.InputSchema[column.Index]) : _getters[column.Index - _mapping.InputSchema.Count] is not null;

    public override ValueGetter<T> GetGetter<T>(DataViewSchema.Column column) => Getter<T>(_input, _mapping, _getters, column);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _input.Dispose();
        base.Dispose(disposing);
    }
}
