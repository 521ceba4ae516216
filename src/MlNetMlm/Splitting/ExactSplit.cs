using Microsoft.ML;

namespace MlNetMlm.Splitting;

/// <summary>
/// Hugging Face <c>Dataset.train_test_split</c> semantics over an <see cref="IDataView"/>: a seeded
/// permutation of the row numbers; its first round(fraction × rows) rows are the test set, the rest
/// the training set. Unlike ML.NET's hash-bucket <c>TrainTestSplit</c>, the test set holds exactly that
/// many rows for any row count.
/// </summary>
internal static class ExactSplit
{
    public static DataOperationsCatalog.TrainTestData Split(IDataView data, double testFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(testFraction > 0 && testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "testFraction must be above 0 and below 1.");
        long rows = data.GetRowCount() ?? CountRows(data);
        if (rows > int.MaxValue) throw new ArgumentException($"The data has {rows} rows; an exact split handles at most {int.MaxValue}.", nameof(data));
        int testRows = TestRowCount((int)rows, testFraction);
        if (testRows == 0 || testRows == rows)
            throw new ArgumentException(
                $"A test fraction of {testFraction} of {rows} rows leaves {(testRows == 0 ? "no test rows" : "no training rows")}; use more data or another fraction.", nameof(testFraction));

        var order = new int[rows];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        // System.Random with a seed keeps one documented algorithm across .NET versions: same seed, same rows.
        new Random(seed).Shuffle(order);
        var inTest = new bool[rows];
        foreach (int row in order.AsSpan(0, testRows)) inTest[row] = true;
        return new DataOperationsCatalog.TrainTestData(
            new RowSubsetDataView(data, inTest, keep: false, (int)rows - testRows),
            new RowSubsetDataView(data, inTest, keep: true, testRows));
    }

    /// <summary>round(fraction × rows), halves rounded up (10 % of 70 is 7, of 75 it is 8).</summary>
    public static int TestRowCount(int rows, double testFraction) =>
        (int)Math.Round(testFraction * rows, MidpointRounding.AwayFromZero);

    private static long CountRows(IDataView data)
    {
        using var cursor = data.GetRowCursor([]);
        long n = 0;
        while (cursor.MoveNext()) n++;
        return n;
    }
}
