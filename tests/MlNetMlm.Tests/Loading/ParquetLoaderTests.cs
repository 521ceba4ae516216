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

    [TestMethod]
    public void StructAsJsonTextFlattensLikeTheJsonLoadersObjects()
    {
        string parquet = RepoPaths.RequireShared("eli5-formats", "eli5-science.parquet");
        var ml = new MLContext(seed: 1);
        var asJson = ml.Data.LoadFromParquet(parquet);
        Assert.AreEqual(TextDataViewType.Instance, asJson.Schema["answers"].Type);
        var flattened = ml.Transforms.FlattenJson(FlattenJsonOptions.Eli5()).Fit(asJson).Transform(asJson);
        var direct = ml.Data.LoadFromParquet(parquet, new ParquetOptions { Flatten = true });
        string[] names = ["answers.a_id", "answers.text", "answers.score"];
        CollectionAssert.AreEqual(Dump(direct, names), Dump(flattened, names));
    }

    /// <summary>DuckDB writes the fixture (nulls at every level, a list of lists, a struct); the JSON loader reads the same rows as JSON Lines.</summary>
    [TestMethod]
    public void NullsNestedListsAndStructsReadAsTheJsonLoaderReadsTheSameRows()
    {
        using var temp = new TempFiles();
        string parquet = temp.PathOf("fixture.parquet");
        DuckDb.Query($$"""
            COPY (SELECT * FROM (VALUES
                ('a', 1.5::DOUBLE, true, ['x', 'y'], [[1, 2], [3]], {'n': 1, 'tags': ['p']}),
                (NULL, NULL, NULL, NULL, NULL, NULL),
                ('c', 2::DOUBLE, false, ['z', NULL], [], {'n': NULL, 'tags': []}),
                ('d', -3::DOUBLE, true, [], [[], NULL, [4]], NULL)
            ) t(id, score, ok, tags, grid, meta)) TO '{{parquet}}' (FORMAT parquet, ROW_GROUP_SIZE 2)
            """);
        string jsonl = temp.Write("fixture.jsonl", """
            {"id":"a","score":1.5,"ok":true,"tags":["x","y"],"grid":[[1,2],[3]],"meta":{"n":1,"tags":["p"]}}
            {"id":null,"score":null,"ok":null,"tags":null,"grid":null,"meta":null}
            {"id":"c","score":2,"ok":false,"tags":["z",null],"grid":[],"meta":{"n":null,"tags":[]}}
            {"id":"d","score":-3,"ok":true,"tags":[],"grid":[[],null,[4]],"meta":null}
            """);
        var ml = new MLContext(seed: 1);
        foreach (bool flatten in new[] { false, true })
        {
            var fromParquet = ml.Data.LoadFromParquet(parquet, new ParquetOptions { Flatten = flatten });
            var fromJson = ml.Data.LoadFromJsonLines(jsonl, new JsonLinesOptions { Flatten = flatten });
            CollectionAssert.AreEqual(fromJson.Schema.Select(c => (c.Name, c.Type)).ToList(), fromParquet.Schema.Select(c => (c.Name, c.Type)).ToList(), $"flatten {flatten}");
            CollectionAssert.AreEqual(Dump(fromJson), Dump(fromParquet), $"flatten {flatten}");
        }
    }

    [TestMethod]
    public void SaveAsParquetRoundTripsScalarsAndVectorsAndDuckDbReadsIt()
    {
        using var temp = new TempFiles();
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 10_000).Select(i => new Row { Name = $"row {i} é", Score = i / 4f, Ids = Enumerable.Range(i, i % 5).ToArray(), Tags = i % 3 == 0 ? [] : ["a", $"t{i}"] }).ToList();
        string path = temp.PathOf("saved.parquet");
        Assert.AreEqual(10_000L, ml.Data.SaveAsParquet(ml.Data.LoadFromEnumerable(rows), path));
        var back = ml.Data.LoadFromParquet(path);
        Assert.AreEqual(10_000L, back.GetRowCount());
        CollectionAssert.AreEqual(rows.Select(r => r.Name).ToList(), back.GetColumn<string>("name").ToList());
        CollectionAssert.AreEqual(rows.Select(r => r.Score).ToList(), back.GetColumn<float>("score").ToList());
        CollectionAssert.AreEqual(rows.Select(r => string.Join(",", r.Ids)).ToList(), back.GetColumn<float[]>("ids").Select(v => string.Join(",", v)).ToList());
        CollectionAssert.AreEqual(rows.Select(r => string.Join(",", r.Tags)).ToList(), back.GetColumn<string[]>("tags").Select(v => string.Join(",", v)).ToList());
        var duck = DuckDb.Query($"SELECT count(*) AS n, sum(len(ids)) AS ids, max(name) AS top, typeof(any_value(ids)) AS t FROM read_parquet('{path}')");
        Assert.AreEqual($"{{\"n\":\"10000\",\"ids\":\"{rows.Sum(r => r.Ids.Length)}\",\"top\":\"{rows.Max(r => r.Name)}\",\"t\":\"INTEGER[]\"}}", duck.Single());
    }

    /// <summary>A save that fails part way (a bad line far into the data) leaves the earlier file as it was and no temporary file.</summary>
    [TestMethod]
    public void AFailedSaveKeepsTheEarlierFileAndLeavesNoTemporaryFile()
    {
        using var temp = new TempFiles();
        var ml = new MLContext(seed: 1);
        string path = temp.PathOf("out.parquet");
        ml.Data.SaveAsParquet(ml.Data.LoadFromEnumerable(new[] { new Row { Name = "earlier" } }), path);
        var earlier = File.ReadAllBytes(path);
        var lines = Enumerable.Range(0, 20_000).Select(i => $"{{\"name\": \"row {i}\"}}").ToList();
        lines[15_000] = "{\"name\": 5}";
        string bad = temp.Write("bad.jsonl", string.Join("\n", lines) + "\n");
        var data = ml.Data.LoadFromJsonLines(bad, new JsonLinesOptions { Columns = [new JsonColumn("name", JsonColumnKind.Text)] });
        var e = Assert.ThrowsExactly<JsonLinesFormatException>(() => ml.Data.SaveAsParquet(data, path));
        StringAssert.StartsWith(e.Message, $"{bad}:15001:");
        CollectionAssert.AreEqual(earlier, File.ReadAllBytes(path), "the earlier file is untouched");
        CollectionAssert.AreEquivalent(new[] { "bad.jsonl", "out.parquet" }, Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName).ToArray(), "no temporary file is left");
    }

    private sealed class Row
    {
        [ColumnName("name")] public string Name { get; set; } = "";
        [ColumnName("score")] public float Score { get; set; }
        [ColumnName("ids"), VectorType] public int[] Ids { get; set; } = [];
        [ColumnName("tags"), VectorType] public string[] Tags { get; set; } = [];
    }

    [TestMethod]
    public void BadFilesAndColumnsAreNamedBeforeAnyRowIsRead()
    {
        using var temp = new TempFiles();
        var ml = new MLContext(seed: 1);
        string good = temp.PathOf("good.parquet");
        ml.Data.SaveAsParquet(ml.Data.LoadFromEnumerable(new[] { new Row { Name = "x" } }), good);
        var bytes = File.ReadAllBytes(good);
        string cut = temp.PathOf("cut.parquet");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ml.Data.LoadFromParquet(cut));
        StringAssert.StartsWith(e.Message, $"{cut}: not a readable Parquet file");

        var missing = Assert.ThrowsExactly<InvalidDataException>(() => ml.Data.LoadFromParquet(good, new ParquetOptions { Columns = [new JsonColumn("text", JsonColumnKind.Text)] }));
        Assert.AreEqual($"{good}: no column 'text'; columns present: name (string), score (float), ids (list<int32>), tags (list<string>).", missing.Message);

        var wrongKind = Assert.ThrowsExactly<InvalidDataException>(() => ml.Data.LoadFromParquet(good, new ParquetOptions { Columns = [new JsonColumn("ids", JsonColumnKind.Text)] }));
        StringAssert.StartsWith(wrongKind.Message, $"{good}: column 'ids' has type list<int32>, which reads as NumberVector");

        string dated = temp.PathOf("dated.parquet");
        DuckDb.Query($"COPY (SELECT 'a' AS title, TIMESTAMP '2020-01-01 10:00:00' AS created) TO '{dated}' (FORMAT parquet)");
        var unsupported = Assert.ThrowsExactly<InvalidDataException>(() => ml.Data.LoadFromParquet(dated));
        StringAssert.StartsWith(unsupported.Message, $"{dated}: column 'created' has type INT64 (Timestamp");
        Assert.AreEqual("a", ml.Data.LoadFromParquet(dated, new ParquetOptions { Columns = [new JsonColumn("title", JsonColumnKind.Text)] }).GetColumn<string>("title").Single());
    }
}
