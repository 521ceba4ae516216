using Microsoft.ML.Data;

namespace MlNetMlm.GroupTexts;

/// <summary>
/// The ids read but not yet cut into blocks: a first-in first-out buffer that holds at most one block
/// plus one input row, so grouping runs in memory bounded by the longest row.
/// </summary>
internal sealed class TokenQueue
{
    private int[] _items;
    private int _start;

    public TokenQueue(int capacity) => _items = new int[Math.Max(capacity, 16)];

    public int Count { get; private set; }

    public void Clear()
    {
        _start = 0;
        Count = 0;
    }

    public void Append(in VBuffer<int> row)
    {
        int length = row.Length;
        if (length == 0) return;
        var target = Reserve(length);
        if (row.IsDense)
        {
            row.GetValues().CopyTo(target);
        }
        else
        {
            target.Clear();
            var indices = row.GetIndices();
            var values = row.GetValues();
            for (int i = 0; i < indices.Length; i++) target[indices[i]] = values[i];
        }
        Count += length;
    }

    /// <summary>Moves the first <paramref name="block"/>.Length ids into <paramref name="block"/>.</summary>
    public void Take(Span<int> block)
    {
        _items.AsSpan(_start, block.Length).CopyTo(block);
        _start += block.Length;
        Count -= block.Length;
        if (Count == 0) _start = 0;
    }

    private Span<int> Reserve(int length)
    {
        if (_start + Count + length > _items.Length)
        {
            // Slide the live ids to the front; grow only when that is not enough.
            int needed = Count + length;
            var target = needed > _items.Length ? new int[Math.Max(needed, _items.Length * 2)] : _items;
            Array.Copy(_items, _start, target, 0, Count);
            _items = target;
            _start = 0;
        }
        return _items.AsSpan(_start + Count, length);
    }
}
