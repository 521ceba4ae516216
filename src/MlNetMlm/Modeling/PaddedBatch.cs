namespace MlNetMlm.Modeling;

/// <summary>
/// The one padding rule of a batch the model reads, for training, evaluation and fill-mask alike: rows are
/// right-padded to the longest row; a padded position holds the pad id, attention 0 and label
/// <see cref="RobertaForMaskedLM.IgnoreIndex"/>. Values are laid out row-major as [Rows, Width] int64.
/// </summary>
internal sealed class PaddedBatch
{
    private readonly int[] _lengths;

    public PaddedBatch(IEnumerable<int> rowLengths)
    {
        _lengths = rowLengths.ToArray();
        Width = _lengths.Length == 0 ? 0 : _lengths.Max();
    }

    public int Rows => _lengths.Length;

    /// <summary>The longest row's length.</summary>
    public int Width { get; }

    public long[] Shape => [Rows, Width];

    /// <summary>The index of <paramref name="position"/> of row <paramref name="row"/> in the flattened [Rows·Width] batch.</summary>
    public long FlatIndex(int row, int position) => (long)row * Width + position;

    /// <summary>Token ids, <paramref name="padId"/> after each row's end.</summary>
    public long[] Ids(Func<int, int[]> row, int padId) => Pad(row, padId);

    /// <summary>Labels, <see cref="RobertaForMaskedLM.IgnoreIndex"/> after each row's end.</summary>
    public long[] Labels(Func<int, int[]> row) => Pad(row, RobertaForMaskedLM.IgnoreIndex);

    /// <summary>The attention mask: a row's own mask (or 1 where it has none) up to its end, 0 after.</summary>
    public long[] AttentionMask(Func<int, int[]?>? rowMask = null)
    {
        var values = new long[Rows * Width];
        for (int r = 0; r < Rows; r++)
        {
            var mask = rowMask?.Invoke(r);
            var target = values.AsSpan(r * Width, _lengths[r]);
            if (mask is null) target.Fill(1);
            else for (int t = 0; t < target.Length; t++) target[t] = mask[t];
        }
        return values;
    }

    private long[] Pad(Func<int, int[]> row, long fill)
    {
        var values = new long[Rows * Width];
        for (int r = 0; r < Rows; r++)
        {
            var source = row(r);
            if (source.Length != _lengths[r])
                throw new ArgumentException($"row {r} has {source.Length} values, but its length is {_lengths[r]}.");
            var target = values.AsSpan(r * Width, Width);
            for (int t = 0; t < source.Length; t++) target[t] = source[t];
            target[source.Length..].Fill(fill);
        }
        return values;
    }
}
