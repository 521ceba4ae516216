using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.Json;

/// <summary>The <c>IDataView</c> type of each <see cref="JsonColumnKind"/> and getters over a <see cref="JsonSlot"/>.</summary>
internal static class JsonColumnTypes
{
    public static DataViewType TypeOf(JsonColumnKind kind, bool useDouble) => kind switch
    {
        JsonColumnKind.Text or JsonColumnKind.Json => TextDataViewType.Instance,
        JsonColumnKind.Number => useDouble ? NumberDataViewType.Double : NumberDataViewType.Single,
        JsonColumnKind.Boolean => BooleanDataViewType.Instance,
        JsonColumnKind.TextVector => new VectorDataViewType(TextDataViewType.Instance),
        JsonColumnKind.NumberVector => new VectorDataViewType(useDouble ? NumberDataViewType.Double : NumberDataViewType.Single),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown JSON column kind."),
    };

    /// <summary>
    /// A <c>ValueGetter</c> of <see cref="TypeOf"/>'s raw type reading <paramref name="slot"/>;
    /// <paramref name="refresh"/> runs first (e.g. to parse the current row on demand).
    /// </summary>
    public static Delegate Getter(JsonColumnKind kind, bool useDouble, JsonSlot slot, Action refresh) => kind switch
    {
        JsonColumnKind.Text or JsonColumnKind.Json => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) => { refresh(); v = slot.Text; }),
        JsonColumnKind.Number when useDouble => (ValueGetter<double>)((ref double v) => { refresh(); v = slot.Number; }),
        JsonColumnKind.Number => (ValueGetter<float>)((ref float v) => { refresh(); v = (float)slot.Number; }),
        JsonColumnKind.Boolean => (ValueGetter<bool>)((ref bool v) => { refresh(); v = slot.Boolean; }),
        JsonColumnKind.TextVector => (ValueGetter<VBuffer<ReadOnlyMemory<char>>>)((ref VBuffer<ReadOnlyMemory<char>> v) => { refresh(); Fill(slot.Texts, ref v, t => t); }),
        JsonColumnKind.NumberVector when useDouble => (ValueGetter<VBuffer<double>>)((ref VBuffer<double> v) => { refresh(); Fill(slot.Numbers, ref v, n => n); }),
        JsonColumnKind.NumberVector => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> v) => { refresh(); Fill(slot.Numbers, ref v, n => (float)n); }),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown JSON column kind."),
    };

    private static void Fill<TItem, T>(List<TItem> items, ref VBuffer<T> value, Func<TItem, T> convert)
    {
        var editor = VBufferEditor.Create(ref value, items.Count);
        for (int i = 0; i < items.Count; i++) editor.Values[i] = convert(items[i]);
        value = editor.Commit();
    }

    /// <summary>A 1-based character column for a byte offset in a UTF-8 line, as editors count.</summary>
    public static int CharColumn(ReadOnlySpan<byte> utf8, long bytePosition) =>
        System.Text.Encoding.UTF8.GetCharCount(utf8[..(int)Math.Clamp(bytePosition, 0, utf8.Length)]) + 1;
}
