using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.Json;
using MlNetMlm.Loading;

namespace MlNetMlm.Tests.Loading;

[TestClass]
public sealed class JsonLinesLoaderTests
{
    private const string Mixed =
        """
        {"id": "a", "score": 1.5, "ok": true, "tags": ["x", "y"], "votes": [1, 2, 3], "meta": {"n": 1}, "grid": [[1, 2], [3]]}
        {"id": "b", "score": null, "ok": false, "tags": [], "votes": [], "meta": {"n": 2}, "grid": []}

        {"id": "c", "ok": true, "tags": ["z", null], "votes": [4, null]}
        """;

    [TestMethod]
    public void InfersColumnKindsAndReadsValues()
    {
        using var temp = new TempFiles();
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromJsonLines(temp.Write("mixed.jsonl", Mixed));

        Assert.AreEqual(TextDataViewType.Instance, data.Schema["id"].Type);
        Assert.AreEqual(NumberDataViewType.Single, data.Schema["score"].Type);
        Assert.AreEqual(BooleanDataViewType.Instance, data.Schema["ok"].Type);
        Assert.AreEqual(new VectorDataViewType(TextDataViewType.Instance), data.Schema["tags"].Type);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single), data.Schema["votes"].Type);
        Assert.AreEqual(TextDataViewType.Instance, data.Schema["meta"].Type); // nested object → JSON text
        Assert.AreEqual(TextDataViewType.Instance, data.Schema["grid"].Type); // list of lists → JSON text
        Assert.IsNull(data.GetRowCount());

        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, data.GetColumn<string>("id").ToArray());
        var scores = data.GetColumn<float>("score").ToArray();
        Assert.AreEqual(1.5f, scores[0]);
        Assert.IsTrue(float.IsNaN(scores[1]) && float.IsNaN(scores[2]), "null and missing numbers are NaN");
        CollectionAssert.AreEqual(new[] { true, false, true }, data.GetColumn<bool>("ok").ToArray());
        var tags = data.GetColumn<string[]>("tags").ToArray();
        CollectionAssert.AreEqual(new[] { "x", "y" }, tags[0]);
        Assert.AreEqual(0, tags[1].Length);
        CollectionAssert.AreEqual(new[] { "z", "" }, tags[2]);
        var votes = data.GetColumn<float[]>("votes").ToArray();
        CollectionAssert.AreEqual(new float[] { 1, 2, 3 }, votes[0]);
        Assert.IsTrue(votes[2].Length == 2 && float.IsNaN(votes[2][1]));
        CollectionAssert.AreEqual(new[] { "{\"n\": 1}", "{\"n\": 2}", "" }, data.GetColumn<string>("meta").ToArray());
        Assert.AreEqual("[[1, 2], [3]]", data.GetColumn<string>("grid").First());
    }

    [TestMethod]
    public void ReadsBomGzipAndSeveralFilesInOrder()
    {
        using var temp = new TempFiles();
        string bom = temp.Write("bom.jsonl", "{\"t\": \"één\"}\r\n{\"t\": \"two\"}\r\n", bom: true);
        string gz = temp.WriteGzip("more.jsonl.gz", "{\"t\": \"three\"}\n{\"t\": \"four\"}");
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromJsonLines([bom, gz]);
        CollectionAssert.AreEqual(new[] { "één", "two", "three", "four" }, data.GetColumn<string>("t").ToArray());
        // A second pass reads the files again.
        Assert.AreEqual(4, data.GetColumn<string>("t").Count());
    }

    [TestMethod]
    public void MalformedLineNamesFileLineAndColumn()
    {
        using var temp = new TempFiles();
        string path = temp.Write("bad.jsonl", "{\"a\": \"x\"}\n{\"a\": \"ü\" \"b\": 1}\n");
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromJsonLines(path, new JsonLinesOptions { Columns = [new JsonColumn("a", JsonColumnKind.Text)] });
        var e = Assert.ThrowsExactly<JsonLinesFormatException>(() => data.GetColumn<string>("a").ToArray());
        // Line 2, the second key starts at character 11 (the 'ü' is two bytes but one character).
        StringAssert.StartsWith(e.Message, $"{path}:2:11: invalid JSON");
        Assert.AreEqual(2, e.Line);
        Assert.AreEqual(11, e.Column);
        Assert.AreEqual(path, e.FilePath);

        // While inferring, the same line fails at load time.
        var e2 = Assert.ThrowsExactly<JsonLinesFormatException>(() => ml.Data.LoadFromJsonLines(path));
        StringAssert.StartsWith(e2.Message, $"{path}:2:11:");
    }

    [TestMethod]
    public void NonObjectLineSaysWhatWasExpected()
    {
        using var temp = new TempFiles();
        string path = temp.Write("arr.jsonl", "{\"a\": 1}\n  [1, 2]\n");
        var ml = new MLContext(seed: 1);
        var e = Assert.ThrowsExactly<JsonLinesFormatException>(() => ml.Data.LoadFromJsonLines(path));
        StringAssert.StartsWith(e.Message, $"{path}:2:3: expected a JSON object");
    }

    [TestMethod]
    public void BareStringRecordsAreRowsOfTheNamedTextColumnWhenAsked()
    {
        using var temp = new TempFiles();
        string path = temp.Write("texts.jsonl", "\"one \\u00e9\"\n\n{\"text\": \"two\", \"id\": 2}\n  \"three\"\n");
        var ml = new MLContext(seed: 1);
        var asked = new JsonLinesOptions { BareStringColumn = "text" };

        // Inferred: the strings make (or join) the text column; an object's other fields stay columns, missing for strings.
        var data = ml.Data.LoadFromJsonLines(path, asked);
        CollectionAssert.AreEqual(new[] { "text", "id" }, data.Schema.Select(c => c.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "one é", "two", "three" }, data.GetColumn<string>("text").ToArray());
        CollectionAssert.AreEqual(new[] { float.NaN, 2f, float.NaN }, data.GetColumn<float>("id").ToArray());

        // Given columns, and the same records as the elements of a JSON array.
        var given = new JsonLinesOptions { BareStringColumn = "text", Columns = [new JsonColumn("text", JsonColumnKind.Text)] };
        CollectionAssert.AreEqual(new[] { "one é", "two", "three" }, ml.Data.LoadFromJsonLines(path, given).GetColumn<string>("text").ToArray());
        string array = temp.Write("texts.json", "[\"one\",\n {\"text\": \"two\"}, \"three\"]");
        CollectionAssert.AreEqual(new[] { "one", "two", "three" }, ml.Data.LoadFromJsonLines(array, asked).GetColumn<string>("text").ToArray());

        // Not asked: a string is not a row, as before.
        var plain = Assert.ThrowsExactly<JsonLinesFormatException>(() => ml.Data.LoadFromJsonLines(path));
        StringAssert.StartsWith(plain.Message, $"{path}:1:1: expected a JSON object ('{{'), found a string");
    }

    [TestMethod]
    public void BareStringErrorsNameFileLineAndColumn()
    {
        using var temp = new TempFiles();
        var ml = new MLContext(seed: 1);
        var asked = new JsonLinesOptions { BareStringColumn = "text" };
        string Fails(string name, string text, JsonLinesOptions options)
        {
            string path = temp.Write(name, text);
            var e = Assert.ThrowsExactly<JsonLinesFormatException>(() =>
            {
                var data = ml.Data.LoadFromJsonLines(path, options);
                using var cursor = data.GetRowCursor(data.Schema);
                while (cursor.MoveNext()) { }
            });
            return e.Message[(path.Length + 1)..];
        }
        StringAssert.StartsWith(Fails("array.jsonl", "\"ok\"\n  [1, 2]\n", asked), "2:3: expected a JSON object ('{') or string, found an array");
        StringAssert.StartsWith(Fails("after.jsonl", "\"ok\"\n\"a\" \"b\"\n", asked), "2:5: ");
        StringAssert.StartsWith(Fails("cut.jsonl", "\"ok\"\n\"not closed\n", asked), "2:");
        StringAssert.StartsWith(Fails("kind.jsonl", "{\"text\": [\"a\"]}\n\"b\"\n", asked), "2:1: field 'text' is a string here but an array of strings at ");
        // Read past the inferred rows: the columns were inferred without a text column, so the string has nowhere to go.
        var late = new JsonLinesOptions { BareStringColumn = "text", InferenceRows = 1 };
        StringAssert.StartsWith(Fails("late.jsonl", "{\"id\": 1}\n\"b\"\n", late), "2:1: a bare JSON string, but there is no text column 'text' to hold it");
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.Data.LoadFromJsonLines(temp.Write("x.jsonl", "\"a\"\n"),
            new JsonLinesOptions { BareStringColumn = "text", Columns = [new JsonColumn("text", JsonColumnKind.TextVector)] }));
        StringAssert.Contains(e.Message, "BareStringColumn 'text' must be one of Columns, of kind Text");
    }

    [TestMethod]
    public void ValueNotFittingTheInferredSchemaNamesLineAndColumn()
    {
        using var temp = new TempFiles();
        string path = temp.Write("drift.jsonl", "{\"n\": 1}\n{\"n\": 2}\n{\"n\": \"three\"}\n");
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromJsonLines(path, new JsonLinesOptions { InferenceRows = 2 });
        Assert.AreEqual(NumberDataViewType.Single, data.Schema["n"].Type);
        var e = Assert.ThrowsExactly<JsonLinesFormatException>(() => data.GetColumn<float>("n").ToArray());
        StringAssert.StartsWith(e.Message, $"{path}:3:7: field 'n' should be a number, but is a string");
        StringAssert.Contains(e.Message, "inferred");
    }

    /// <summary>
    /// A text field that is a number, boolean or list on one line is refused at that value, naming both kinds;
    /// it used to turn the whole column into JSON text, quotes and escapes included (issue 15, item 1).
    /// </summary>
    [TestMethod]
    [DataRow("12345", "a number")]
    [DataRow("true", "a boolean")]
    [DataRow("[\"a\", \"b\"]", "an array of strings")]
    [DataRow("{\"x\": 1}", "an object or a nested or mixed list")]
    public void TextFieldWithAnotherKindOnOneLineIsRefusedAtThatValue(string odd, string kind)
    {
        using var temp = new TempFiles();
        string path = temp.Write("mixed.jsonl", $"{{\"text\": \"He said \\\"hi\\\"\"}}\n{{\"id\": 2, \"text\": {odd}}}\n{{\"text\": \"three\"}}\n");
        var ml = new MLContext(seed: 1);
        var e = Assert.ThrowsExactly<JsonLinesFormatException>(() => ml.Data.LoadFromJsonLines(path));
        StringAssert.StartsWith(e.Message, $"{path}:2:19: field 'text' is {kind} here but a string at {path}:1");
        Assert.AreEqual(2, e.Line);
    }

    /// <summary>The same file with SkipBadLines drops the odd line and reads the others as they are.</summary>
    [TestMethod]
    public void SkipBadLinesDropsTheLineWhoseKindDisagrees()
    {
        using var temp = new TempFiles();
        string path = temp.Write("mixed.jsonl", "{\"text\": \"say \\\"one\\\"\"}\n{\"text\": 12345}\n{\"text\": \"three\"}\n");
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromJsonLines(path, new JsonLinesOptions { SkipBadLines = true });
        Assert.AreEqual(TextDataViewType.Instance, data.Schema["text"].Type);
        CollectionAssert.AreEqual(new[] { "say \"one\"", "three" }, data.GetColumn<string>("text").ToArray());
    }

    /// <summary>Given explicitly as Json, a mixed field keeps every value as its JSON text (the documented way out).</summary>
    [TestMethod]
    public void MixedFieldGivenAsJsonKeepsEveryValueAsJsonText()
    {
        using var temp = new TempFiles();
        string path = temp.Write("mixed.jsonl", "{\"n\": 1}\n{\"n\": \"two\"}\n");
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromJsonLines(path, new JsonLinesOptions { Columns = [new JsonColumn("n", JsonColumnKind.Json)] });
        CollectionAssert.AreEqual(new[] { "1", "\"two\"" }, data.GetColumn<string>("n").ToArray());
    }

    /// <summary>null, and empty arrays beside typed ones, are not disagreements.</summary>
    [TestMethod]
    public void NullsAndEmptyArraysDoNotCountAsDisagreement()
    {
        using var temp = new TempFiles();
        string path = temp.Write("ok.jsonl", "{\"t\": null, \"v\": []}\n{\"t\": \"x\", \"v\": [\"a\"]}\n{\"t\": null, \"v\": []}\n");
        var data = new MLContext(seed: 1).Data.LoadFromJsonLines(path);
        Assert.AreEqual(TextDataViewType.Instance, data.Schema["t"].Type);
        Assert.AreEqual(new VectorDataViewType(TextDataViewType.Instance), data.Schema["v"].Type);
    }

    [TestMethod]
    public void SkipBadLinesCountsThemInTheLog()
    {
        using var temp = new TempFiles();
        string path = temp.Write("some-bad.jsonl", "{\"n\": 1}\nnot json\n{\"n\": 2}\n{\"n\": [3]}\n{\"n\": 4\n{\"n\": 5}\n");
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) => { lock (log) log.Add(e.Message); };
        var data = ml.Data.LoadFromJsonLines(path, new JsonLinesOptions { SkipBadLines = true, Columns = [new JsonColumn("n", JsonColumnKind.Number)] });
        CollectionAssert.AreEqual(new float[] { 1, 2, 5 }, data.GetColumn<float>("n").ToArray());
        var warning = log.Single(m => m.Contains("skipped"));
        StringAssert.Contains(warning, "skipped 3 bad line(s)");
        StringAssert.Contains(warning, $"{path}:2:2: invalid JSON"); // 'n' could still start 'null'; the 'o' is wrong
        StringAssert.Contains(warning, $"{path}:4:7: field 'n' should be a number, but is an array");
    }

    [TestMethod]
    public void ExplicitColumnsPickAndTypeFields()
    {
        using var temp = new TempFiles();
        string path = temp.Write("x.jsonl", "{\"a\": 1, \"b\": \"keep\", \"c\": {\"d\": [1]}}\n{\"b\": \"also\", \"e\": 9}\n");
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromJsonLines(path, new JsonLinesOptions
        {
            UseDouble = true,
            Columns = [new JsonColumn("b", JsonColumnKind.Text), new JsonColumn("a", JsonColumnKind.Number), new JsonColumn("c", JsonColumnKind.Json)],
        });
        CollectionAssert.AreEqual(new[] { "b", "a", "c" }, data.Schema.Select(c => c.Name).ToArray());
        Assert.AreEqual(NumberDataViewType.Double, data.Schema["a"].Type);
        CollectionAssert.AreEqual(new[] { "keep", "also" }, data.GetColumn<string>("b").ToArray());
        var a = data.GetColumn<double>("a").ToArray();
        Assert.IsTrue(a[0] == 1 && double.IsNaN(a[1]));
        Assert.AreEqual("{\"d\": [1]}", data.GetColumn<string>("c").First());
    }

    [TestMethod]
    public void FlattenOptionMakesDottedColumns()
    {
        using var temp = new TempFiles();
        string path = temp.Write("n.jsonl", "{\"q\": \"x\", \"answers\": {\"text\": [\"a\", \"b\"], \"score\": [3, 4], \"meta\": {\"by\": \"me\"}}}\n");
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromJsonLines(path, new JsonLinesOptions { Flatten = true });
        CollectionAssert.AreEqual(new[] { "q", "answers.text", "answers.score", "answers.meta.by" }, data.Schema.Select(c => c.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "a", "b" }, data.GetColumn<string[]>("answers.text").First());
        CollectionAssert.AreEqual(new float[] { 3, 4 }, data.GetColumn<float[]>("answers.score").First());
        Assert.AreEqual("me", data.GetColumn<string>("answers.meta.by").First());
    }

    [TestMethod]
    public void MissingFileAndEmptyFileAreClearErrors()
    {
        using var temp = new TempFiles();
        var ml = new MLContext(seed: 1);
        var missing = Assert.ThrowsExactly<FileNotFoundException>(() => ml.Data.LoadFromJsonLines(temp.PathOf("nope.jsonl")));
        StringAssert.Contains(missing.Message, "nope.jsonl");
        var empty = Assert.ThrowsExactly<InvalidDataException>(() => ml.Data.LoadFromJsonLines(temp.Write("empty.jsonl", "\n\n")));
        StringAssert.Contains(empty.Message, "no fields found");
    }

    [TestMethod]
    public void StreamsTheSotuCorpus()
    {
        string path = RepoPaths.RequireShared("corpora", "sotu-eli5-shaped.jsonl");
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromJsonLines(path);
        Assert.AreEqual(TextDataViewType.Instance, data.Schema["answers"].Type);
        long rows = 0;
        string? first = null, last = null;
        using (var cursor = data.GetRowCursor([data.Schema["q_id"]]))
        {
            var qid = cursor.GetGetter<ReadOnlyMemory<char>>(data.Schema["q_id"]);
            var value = default(ReadOnlyMemory<char>);
            while (cursor.MoveNext())
            {
                qid(ref value);
                first ??= value.ToString();
                last = value.ToString();
                rows++;
            }
        }
        Assert.AreEqual(233, rows);
        Assert.AreEqual("1790_george_washington_n", first);
        Assert.AreEqual("2021_joseph_r_biden_d", last);
        // The cursor has closed the file: nobody else holds it open.
        using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None)) { }
    }

    [TestMethod]
    public void TrainTestSplitWorksOnTheLoader()
    {
        using var temp = new TempFiles();
        string path = temp.Write("many.jsonl", string.Join("\n", Enumerable.Range(0, 1000).Select(i => $"{{\"i\": {i}}}")));
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromJsonLines(path);
        var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 7);
        var train = split.TrainSet.GetColumn<float>("i").ToArray();
        var test = split.TestSet.GetColumn<float>("i").ToArray();
        Assert.AreEqual(1000, train.Length + test.Length);
        Assert.IsTrue(test.Length is > 150 and < 250, $"test rows: {test.Length}");
        Assert.AreEqual(0, train.Intersect(test).Count());
        // Same seed, same split.
        var again = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 7).TestSet.GetColumn<float>("i").ToArray();
        CollectionAssert.AreEqual(test, again);
    }

    [TestMethod]
    public void InvalidUtf8IsRefusedAtItsByte()
    {
        using var temp = new TempFiles();
        string path = temp.PathOf("latin1.jsonl");
        // "café" written in Latin-1: the 0xE9 byte is not UTF-8.
        File.WriteAllBytes(path, [.. "{\"t\": \"ok\"}\n{\"t\": \"caf"u8, 0xE9, .. "\"}\n"u8]);
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromJsonLines(path, new JsonLinesOptions { Columns = [new JsonColumn("t", JsonColumnKind.Text)] });
        var e = Assert.ThrowsExactly<JsonLinesFormatException>(() => data.GetColumn<string>("t").ToArray());
        StringAssert.StartsWith(e.Message, $"{path}:2:11: the line is not valid UTF-8");
    }

    [TestMethod]
    public void EscapesIncludingLoneSurrogatesReadLikePython()
    {
        using var temp = new TempFiles();
        // Python's json.dumps("a\ud800b\n\u00e9") writes a lone surrogate escape; json.loads reads it back as is.
        string path = temp.Write("esc.jsonl", "{\"t\": \"a\\ud800b\\n\\u00e9\", \"n\": 1e400}\n");
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromJsonLines(path, new JsonLinesOptions { Columns = [new JsonColumn("t", JsonColumnKind.Text)] });
        Assert.AreEqual("a\ud800b\né", data.GetColumn<string>("t").Single());
        var numbers = ml.Data.LoadFromJsonLines(path, new JsonLinesOptions { Columns = [new JsonColumn("n", JsonColumnKind.Number)] });
        var e = Assert.ThrowsExactly<JsonLinesFormatException>(() => numbers.GetColumn<float>("n").ToArray());
        StringAssert.Contains(e.Message, "field 'n' holds a number outside the range of Double");
    }

    [TestMethod]
    public void BadValueInAColumnNotReadStillCounts()
    {
        using var temp = new TempFiles();
        string path = temp.Write("x.jsonl", "{\"a\": 1, \"b\": \"x\"}\n{\"a\": 2, \"b\": 5}\n{\"a\": 3, \"b\": \"z\"}\n");
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromJsonLines(path, new JsonLinesOptions { SkipBadLines = true, InferenceRows = 1 });
        // Only 'a' is read, but line 2's 'b' does not fit, so the row is skipped all the same.
        CollectionAssert.AreEqual(new float[] { 1, 3 }, data.GetColumn<float>("a").ToArray());
        CollectionAssert.AreEqual(new[] { "x", "z" }, data.GetColumn<string>("b").ToArray());
    }
}
