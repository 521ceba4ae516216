using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.Tests.Loading;

/// <summary>
/// Load + flatten over the SOTU corpus (10.8 M characters), both ways: every row and every answer character
/// arrives. Their speed is measured by bench/dotnet/prep-throughput.cs, not here.
/// </summary>
[TestClass]
public sealed class SotuLoadingTests
{
    [TestMethod]
    public void LoadAndFlattenSotuKeepsEveryAnswer()
    {
        string path = RepoPaths.RequireShared("corpora", "sotu-eli5-shaped.jsonl");
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromJsonLines(path);
        var transformed = ml.Transforms.FlattenJson("answers").Fit(data).Transform(data);
        var flattenedWhileLoading = ml.Data.LoadFromJsonLines(path, new MlNetMlm.Loading.JsonLinesOptions { Flatten = true });
        foreach (var (name, flat) in new[] { ("LoadFromJsonLines + FlattenJson", transformed), ("LoadFromJsonLines(Flatten = true)", flattenedWhileLoading) })
        {
            var (rows, chars) = Count(flat);
            Assert.AreEqual(233, rows, name);
            Assert.AreEqual(10_759_787, chars, name);
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
