using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.Tests.Loading;

/// <summary>
/// Prints the speed of load + flatten over the SOTU corpus (10.8 M characters). Run with
/// <c>--filter FullyQualifiedName~SotuThroughput --logger "console;verbosity=detailed"</c> to see the figures.
/// </summary>
[TestClass]
public sealed class SotuThroughputTests
{
    [TestMethod]
    public void LoadAndFlattenSotu()
    {
        string path = RepoPaths.RequireShared("corpora", "sotu-eli5-shaped.jsonl");
        double megabytes = new FileInfo(path).Length / 1e6;
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromJsonLines(path);
        var transformed = ml.Transforms.FlattenJson("answers").Fit(data).Transform(data);
        var flattenedWhileLoading = ml.Data.LoadFromJsonLines(path, new MlNetMlm.Loading.JsonLinesOptions { Flatten = true });
        foreach (var (name, flat) in new[] { ("LoadFromJsonLines + FlattenJson", transformed), ("LoadFromJsonLines(Flatten = true)", flattenedWhileLoading) })
        {
            Count(flat); // warm-up
            const int passes = 5;
            long rows = 0, chars = 0;
            var watch = Stopwatch.StartNew();
            for (int pass = 0; pass < passes; pass++)
                (rows, chars) = Count(flat);
            watch.Stop();
            double seconds = watch.Elapsed.TotalSeconds / passes;
            Console.WriteLine($"{name} over SOTU: {rows} rows, {chars:N0} answer chars, {seconds * 1000:F0} ms/pass, {megabytes / seconds:F0} MB/s, {rows / seconds:F0} rows/s");
            Assert.AreEqual(233, rows);
            Assert.AreEqual(10_759_787, chars);
        }
    }

    private static (long Rows, long Chars) Count(IDataView flat)
    {
        var column = flat.Schema["answers.text"];
        using var cursor = flat.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(column);
        var value = default(VBuffer<ReadOnlyMemory<char>>);
        long rows = 0, chars = 0;
        while (cursor.MoveNext())
        {
            getter(ref value);
            foreach (var text in value.DenseValues()) chars += text.Length;
            rows++;
        }
        return (rows, chars);
    }
}
