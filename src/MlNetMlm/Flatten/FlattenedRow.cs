using System.Text;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.Json;

namespace MlNetMlm.Flatten;

/// <summary>
/// The parsed JSON object of one input row, shared by all the columns flattened from it so that each
/// row's text is parsed once. It re-parses whenever the text differs from the last one parsed (compared by
/// content, as positions do not change in a <c>PredictionEngine</c>).
/// </summary>
internal sealed class FlattenedRow
{
    private readonly DataViewRow _row;
    private readonly string _columnName;
    private readonly ValueGetter<ReadOnlyMemory<char>> _source;
    private readonly JsonLayout _layout;
    private char[] _parsed = [];
    private int _parsedLength = -1;
    private byte[] _utf8 = [];

    public FlattenedRow(DataViewRow row, DataViewSchema.Column column, JsonLayout layout, int columns)
    {
        _row = row;
        _columnName = column.Name;
        _source = row.GetGetter<ReadOnlyMemory<char>>(column);
        _layout = layout;
        Slots = Enumerable.Range(0, columns).Select(_ => new JsonSlot()).ToArray();
    }

    public JsonSlot[] Slots { get; }

    public void Refresh()
    {
        ReadOnlyMemory<char> value = default;
        _source(ref value);
        var text = value.Span;
        if (_parsedLength == text.Length && text.SequenceEqual(_parsed.AsSpan(0, _parsedLength))) return;
        _parsedLength = -1; // stays invalid if parsing fails
        if (text.IsWhiteSpace())
            foreach (var slot in Slots) slot.Clear();
        else
            Parse(text);
        if (_parsed.Length < text.Length) _parsed = new char[Math.Max(text.Length, _parsed.Length * 2)];
        text.CopyTo(_parsed);
        _parsedLength = text.Length;
    }

    private void Parse(ReadOnlySpan<char> text)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (_utf8.Length < max) _utf8 = new byte[Math.Max(max, _utf8.Length * 2)];
        var utf8 = _utf8.AsSpan(0, Encoding.UTF8.GetBytes(text, _utf8));
        try
        {
            JsonObjectReader.ReadDocument(utf8, _layout, Slots, _columnName + ".");
        }
        catch (JsonException e)
        {
            throw Error(utf8, e.BytePositionInLine ?? 0, $"invalid JSON: {FlattenJsonTransformer.TrimJsonMessage(e.Message)}", e);
        }
        catch (JsonValueMismatchException e)
        {
            throw Error(utf8, e.BytePosition, e.Message + " (the fields were inferred at Fit; give FlattenJsonOptions.Columns if the data varies)", e);
        }
    }

    private FormatException Error(ReadOnlySpan<byte> utf8, long bytePosition, string problem, Exception inner) =>
        new($"FlattenJson: column '{_columnName}' at row position {_row.Position}, character {JsonColumnTypes.CharColumn(utf8, bytePosition)}: {problem}", inner);
}
