using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetMlm.Json;

namespace MlNetMlm.Loading;

/// <summary>
/// One pass over a <see cref="JsonLinesDataView"/>: reads a line per row and parses it at once. Every
/// column is checked, so whether a line is bad does not depend on which columns are asked for; only the
/// active ones are decoded.
/// </summary>
internal sealed class JsonLinesCursor : SlotCursor
{
    private const int ReasonsShown = 5;

    private readonly JsonLinesDataView _parent;
    private readonly JsonLineSource _lines;
    private readonly JsonSlot[] _slots;
    private readonly List<string> _reasons = [];
    private int _skipped;
    private bool _reported;

    public JsonLinesCursor(JsonLinesDataView parent, IEnumerable<DataViewSchema.Column> active) : base(parent.Schema, parent.Columns.Count)
    {
        _parent = parent;
        _lines = new JsonLineSource(parent.Inputs);
        _slots = parent.Columns.Select(_ => new JsonSlot()).ToArray();
        foreach (var slot in _slots) slot.Active = false;
        foreach (var column in active)
        {
            _slots[column.Index].Active = true;
            var kind = parent.Columns[column.Index].Kind;
            Getters[column.Index] = JsonColumnTypes.Getter(kind, parent.Options.UseDouble, _slots[column.Index], static () => { });
        }
    }

    public override bool MoveNext()
    {
        while (_lines.MoveNext())
        {
            if (JsonLinesDataView.IsBlank(_lines.Line)) continue;
            try
            {
                JsonLinesDataView.RequireUtf8(_lines.Line);
                JsonObjectReader.ReadDocument(_lines.Line, _parent.Layout, _slots, strings: _parent.Strings);
            }
            catch (Exception e) when (e is JsonException or JsonValueMismatchException)
            {
                var error = JsonLinesDataView.Describe(_lines, e, _parent.Inferred);
                if (!_parent.Options.SkipBadLines) throw error;
                _skipped++;
                if (_reasons.Count < ReasonsShown) _reasons.Add(error.Message);
                continue;
            }
            RowPosition++;
            return true;
        }
        Report();
        return false;
    }

    /// <summary>Tells <c>MLContext.Log</c> how many lines this pass skipped.</summary>
    private void Report()
    {
        if (_reported || _skipped == 0) return;
        _reported = true;
        using var ch = _parent.Host.Start(JsonLinesDataView.Component);
        ch.Warning($"{JsonLinesDataView.Component}: skipped {_skipped} bad line(s); first: {string.Join(" | ", _reasons)}");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Report();
            _lines.Dispose();
        }
        base.Dispose(disposing);
    }
}
