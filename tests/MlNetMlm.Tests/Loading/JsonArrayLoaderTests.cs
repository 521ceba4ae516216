using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.Loading;

namespace MlNetMlm.Tests.Loading;

[TestClass]
public sealed class JsonArrayLoaderTests
{
    [TestMethod]
    public void GzippedArrayGivesTheJsonLinesRows()
    {
        string array = RepoPaths.RequireShared("eli5-formats", "eli5-science.json.gz");
        string jsonl = RepoPaths.RequireShared("eli5-formats", "eli5-science.jsonl");
        var ml = new MLContext(seed: 1);
        var options = new JsonLinesOptions { Flatten = true };
        var fromArray = ml.Data.LoadFromJsonLines(array, options);
        var fromLines = ml.Data.LoadFromJsonLines(jsonl, options);
        CollectionAssert.AreEqual(fromLines.Schema.Select(c => (c.Name, c.Type)).ToList(), fromArray.Schema.Select(c => (c.Name, c.Type)).ToList());
        var rows = ParquetLoaderTests.Dump(fromLines);
        Assert.AreEqual(70, rows.Count);
        CollectionAssert.AreEqual(rows, ParquetLoaderTests.Dump(fromArray));
    }

    [TestMethod]
    public void ArrayElementsSpanLinesAndBuffers()
    {
        using var temp = new TempFiles();
        // Elements longer than the 64 KiB read buffer, spread over lines, with a byte-order mark and multi-byte text.
        string big = new('x', 100_000);
        string text = "\n  [ {\"id\": \"é1\",\n    \"body\": \"" + big + "\"},\n {\"id\": \"2\", \"body\": \"b\"}\n,{\"id\":\"3\",\"body\":\"" + big + "ü\"} ]  \n";
        var ml = new MLContext(seed: 1);
        foreach (string path in new[] { temp.Write("a.json", text, bom: true), temp.WriteGzip("a.json.gz", text) })
        {
            var data = ml.Data.LoadFromJsonLines(path);
            CollectionAssert.AreEqual(new[] { "é1", "2", "3" }, data.GetColumn<string>("id").ToArray(), path);
            var bodies = data.GetColumn<string>("body").ToArray();
            Assert.AreEqual(big, bodies[0]);
            Assert.AreEqual(big + "ü", bodies[2]);
        }
        Assert.AreEqual(0, ml.Data.LoadFromJsonLines(temp.Write("one.json", "[{\"a\": 1}]")).GetColumn<float>("a").Count() - 1);
    }

    [TestMethod]
    public void BrokenElementIsNamedByFileLineAndColumn()
    {
        using var temp = new TempFiles();
        var ml = new MLContext(seed: 1);
        // element 2 lacks a value on line 3, character 14 ("ü" is one character, two bytes)
        string path = temp.Write("broken.json", "[\n {\"id\": \"1\"},\n {\"id\": \"ü\", } ,\n {\"id\": \"3\"}\n]\n");
        var e = Assert.ThrowsExactly<JsonLinesFormatException>(() => ml.Data.LoadFromJsonLines(path).GetColumn<string>("id").ToArray());
        StringAssert.StartsWith(e.Message, $"{path}:3:14: invalid JSON in element 2 of the array");

        // a value that does not fit its column: the position inside the element, on its own line
        string mismatch = temp.Write("mismatch.json", "[{\"n\": 1},\n  {\"n\":\n \"two\"}]");
        var m = Assert.ThrowsExactly<JsonLinesFormatException>(() => ml.Data.LoadFromJsonLines(mismatch, new JsonLinesOptions { InferenceRows = 1 }).GetColumn<float>("n").ToArray());
        StringAssert.StartsWith(m.Message, $"{mismatch}:3:2: field 'n' should be a number");

        // the same on the element's first line: columns count from the start of the line, not of the element
        string sameLine = temp.Write("same.json", "[{\"n\": 1}, {\"n\": \"x\"}]");
        var s = Assert.ThrowsExactly<JsonLinesFormatException>(() => ml.Data.LoadFromJsonLines(sameLine, new JsonLinesOptions { InferenceRows = 1 }).GetColumn<float>("n").ToArray());
        StringAssert.StartsWith(s.Message, $"{sameLine}:1:18: field 'n' should be a number");

        // cut short, and trailing text after the array
        var cut = Assert.ThrowsExactly<JsonLinesFormatException>(() => ml.Data.LoadFromJsonLines(temp.Write("cut.json", "[{\"a\": \"x\"},\n {\"a\": \"y\"")).GetColumn<string>("a").ToArray());
        StringAssert.Contains(cut.Message, "cut.json:2:");
        var trailing = Assert.ThrowsExactly<JsonLinesFormatException>(() => ml.Data.LoadFromJsonLines(temp.Write("trail.json", "[{\"a\": \"x\"}]\n{\"a\": 1}")).GetColumn<string>("a").ToArray());
        StringAssert.StartsWith(trailing.Message, $"{temp.PathOf("trail.json")}:2:1: expected nothing after the JSON array");
    }
}
