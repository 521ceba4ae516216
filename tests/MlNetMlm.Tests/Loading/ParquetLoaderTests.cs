using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.Flatten;
using MlNetMlm.Json;
using MlNetMlm.Loading;
using ParquetSharp;
using ParquetSharp.Schema;

namespace MlNetMlm.Tests.Loading;

[TestClass]
public sealed class ParquetLoaderTests
{
    /// <summary>Every value of every column, as text, row by row: a neutral form to compare two loaders with.</summary>
    internal static List<string> Dump(IDataView data, IEnumerable<string>? names = null)
    {
        var columns = (names ?? data.Schema.Where(c => !c.IsHidden).Select(c => c.Name)).Select(n => data.Schema[n]).ToList();
        var rows = new List<string>();
        using var cursor = data.GetRowCursor(columns);
        var getters = columns.Select(c => Getter(cursor, c)).ToList();
        while (cursor.MoveNext()) rows.Add(string.Join(" | ", columns.Select((c, i) => $"{c.Name}={getters[i]()}")));
        return rows;
    }

    private static Func<string> Getter(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        switch (column.Type)
        {
            case TextDataViewType: { var g = cursor.GetGetter<ReadOnlyMemory<char>>(column); return () => { ReadOnlyMemory<char> v = default; g(ref v); return v.ToString(); }; }
            case BooleanDataViewType: { var g = cursor.GetGetter<bool>(column); return () => { bool v = default; g(ref v); return v.ToString(); }; }
            case NumberDataViewType: { var g = cursor.GetGetter<float>(column); return () => { float v = default; g(ref v); return v.ToString("R"); }; }
            case VectorDataViewType { ItemType: TextDataViewType }: { var g = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(column); return () => { VBuffer<ReadOnlyMemory<char>> v = default; g(ref v); return "[" + string.Join(", ", v.DenseValues().Select(x => x.ToString())) + "]"; }; }
            default: { var g = cursor.GetGetter<VBuffer<float>>(column); return () => { VBuffer<float> v = default; g(ref v); return "[" + string.Join(", ", v.DenseValues().Select(x => x.ToString("R"))) + "]"; }; }
        }
    }

    [TestMethod]
    public void DuckDbWrittenEli5ParquetGivesTheJsonLinesRows()
    {
        string parquet = RepoPaths.RequireShared("eli5-formats", "eli5-science.parquet");
        string jsonl = RepoPaths.RequireShared("eli5-formats", "eli5-science.jsonl");
        var ml = new MLContext(seed: 1);
        var fromParquet = ml.Data.LoadFromParquet(parquet, new ParquetOptions { Flatten = true });
        var fromJson = ml.Data.LoadFromJsonLines(jsonl, new JsonLinesOptions { Flatten = true });
        foreach (var column in fromJson.Schema)
            Assert.AreEqual(column.Type, fromParquet.Schema[column.Name].Type, column.Name);
        var names = fromJson.Schema.Select(c => c.Name).ToList();
        CollectionAssert.AreEqual(Dump(fromJson, names), Dump(fromParquet, names));
        Assert.AreEqual(70L, fromParquet.GetRowCount());
    }
}
