using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.Tests;

/// <summary>A row holding token ids, as a tokenizer writes them.</summary>
internal sealed class IdsRow
{
    [ColumnName("input_ids")]
    public int[] Ids { get; set; } = [];
}

/// <summary>Token-id data for group and mask tests: generated rows, Moby-Dick's real ids, and readers.</summary>
internal static class TokenIds
{
    public const int Bos = 0, Pad = 1, Eos = 2, Unk = 3, Mask = 50264, Vocabulary = 50265;
    public static readonly int[] Specials = [Bos, Pad, Eos, Unk, Mask];

    public static IDataView Load(MLContext ml, IEnumerable<int[]> rows) => ml.Data.LoadFromEnumerable(rows.Select(r => new IdsRow { Ids = r }));

    /// <summary>
    /// Rows shaped like tokenizer output: <c>&lt;s&gt;</c>, ordinary ids (with an occasional <c>&lt;unk&gt;</c>),
    /// <c>&lt;/s&gt;</c>; lengths uniform in [<paramref name="minLength"/>, <paramref name="maxLength"/>] (0 = an empty row).
    /// </summary>
    public static List<int[]> Generate(int count, int seed, int minLength = 0, int maxLength = 300)
    {
        var random = new Random(seed);
        var rows = new List<int[]>(count);
        for (int r = 0; r < count; r++)
        {
            int length = random.Next(minLength, maxLength + 1);
            var row = new int[length];
            for (int i = 0; i < length; i++) row[i] = random.Next(100) == 0 ? Unk : random.Next(4, Mask);
            if (length > 0) row[0] = Bos;
            if (length > 1) row[^1] = Eos;
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>HF's ids of Moby-Dick, one row per chapter (skips the test when shared data is absent).</summary>
    public static List<int[]> MobyDick() =>
        File.ReadLines(RepoPaths.RequireShared("tokenizer-reference", "moby-dick.ids.jsonl"))
            .Where(line => line.Length > 0)
            .Select(line => JsonSerializer.Deserialize<int[]>(line)!)
            .ToList();

    /// <summary>The reference for grouping: concatenate, cut into blocks, drop the remainder.</summary>
    public static List<int[]> ReferenceBlocks(IEnumerable<int[]> rows, int blockSize)
    {
        var all = rows.SelectMany(r => r).ToArray();
        return Enumerable.Range(0, all.Length / blockSize).Select(b => all.AsSpan(b * blockSize, blockSize).ToArray()).ToList();
    }

    /// <summary>Reads int-vector columns through one cursor (opened with <paramref name="rand"/>).</summary>
    public static List<int[]>[] Read(IDataView view, Random? rand, params string[] columns)
    {
        var cols = columns.Select(c => view.Schema[c]).ToArray();
        var result = columns.Select(_ => new List<int[]>()).ToArray();
        using var cursor = view.GetRowCursor(cols, rand);
        var getters = cols.Select(c => cursor.GetGetter<VBuffer<int>>(c)).ToArray();
        var buffer = default(VBuffer<int>);
        while (cursor.MoveNext())
            for (int i = 0; i < cols.Length; i++)
            {
                getters[i](ref buffer);
                result[i].Add(buffer.IsDense ? buffer.GetValues().ToArray() : buffer.DenseValues().ToArray());
            }
        return result;
    }

    public static List<int[]> Read(IDataView view, string column, Random? rand = null) => Read(view, rand, column)[0];
}
