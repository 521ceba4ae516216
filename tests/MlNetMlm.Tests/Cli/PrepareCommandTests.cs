using System.Text.Json;

namespace MlNetMlm.Tests.Cli;

[TestClass]
public sealed class PrepareCommandTests
{
    /// <summary>
    /// 🤗 run_mlm's group_texts, computed here from HF's own ids: concatenate every row's ids, cut into blocks of
    /// block_size, drop the remainder; DuckDB reads what prepare wrote.
    /// </summary>
    [TestMethod]
    public void DuckDbReadsPrepareOutputEqualToGroupTextsOverHfIds()
    {
        string reference = RepoPaths.RequireShared("tokenizer-reference", "sotu-answers-joined.ids.jsonl");
        string data = RepoPaths.RequireShared("eli5-formats", "sotu-eli5-shaped.parquet");
        string tokenizer = RepoPaths.RequireShared("roberta-base");
        const int blockSize = 128;
        var ids = File.ReadLines(reference).SelectMany(line => JsonSerializer.Deserialize<int[]>(line)!).ToArray();
        var expected = Enumerable.Range(0, ids.Length / blockSize).Select(b => string.Join(",", ids.Skip(b * blockSize).Take(blockSize))).ToList();

        using var temp = new TempFiles();
        string output = temp.PathOf("blocks.parquet");
        var run = CliRun.InProcess("prepare", "--data", data, "--text-column", "answers.text", "--tokenizer", tokenizer, "--block-size", $"{blockSize}", "--output", output);
        Assert.AreEqual(0, run.ExitCode, run.ToString());

        var rows = DuckDb.Query($"SELECT list_aggregate(input_ids, 'string_agg', ',') AS ids, list_sum(attention_mask) AS mask, len(special_tokens_mask) AS n FROM read_parquet('{output}')");
        var got = rows.Select(r => JsonDocument.Parse(r).RootElement).ToList();
        Assert.AreEqual(expected.Count, got.Count);
        CollectionAssert.AreEqual(expected, got.Select(r => r.GetProperty("ids").GetString()).ToList());
        Assert.IsTrue(got.All(r => r.GetProperty("mask").ToString() == $"{blockSize}" && r.GetProperty("n").ToString() == $"{blockSize}"));
        var columns = DuckDb.Query($"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('{output}'))");
        CollectionAssert.AreEqual(new[]
        {
            """{"column_name":"input_ids","column_type":"INTEGER[]"}""", """{"column_name":"attention_mask","column_type":"INTEGER[]"}""",
            """{"column_name":"special_tokens_mask","column_type":"INTEGER[]"}""",
        }, columns);
    }

    [TestMethod]
    public void SameRowsGiveIdenticalBlocksFromParquetJsonGzAndJsonl()
    {
        string tokenizer = RepoPaths.RequireShared("roberta-base");
        using var temp = new TempFiles();
        var outputs = new List<byte[]>();
        foreach (string name in new[] { "eli5-science.parquet", "eli5-science.json.gz", "eli5-science.jsonl" })
        {
            string output = temp.PathOf(name + ".blocks.parquet");
            var run = CliRun.InProcess("prepare", "--data", RepoPaths.RequireShared("eli5-formats", name), "--text-column", "answers.text", "--tokenizer", tokenizer, "--output", output);
            Assert.AreEqual(0, run.ExitCode, run.ToString());
            StringAssert.Contains(run.Output, "Wrote 71 blocks");
            outputs.Add(File.ReadAllBytes(output));
        }
        CollectionAssert.AreEqual(outputs[0], outputs[1]);
        CollectionAssert.AreEqual(outputs[0], outputs[2]);
    }

    /// <summary>The commands that read data through TextData (prepare, train, evaluate, fill-mask) take bare JSON strings as texts.</summary>
    [TestMethod]
    public void BareJsonStringsAreTextsLikeTheLinesOfATextFile()
    {
        using var temp = new TempFiles();
        string[] texts = ["The sun is a star at the centre of our solar system.", "A comet is a ball of ice and dust that orbits the sun.", "Our galaxy is a spiral of stars, gas and dust."];
        var outputs = new List<byte[]>();
        foreach (var (name, content) in new[]
        {
            ("texts.txt", string.Join("\n", texts) + "\n"),
            ("texts.jsonl", string.Concat(texts.Select((t, i) => i == 1 ? $"{{\"text\": \"{t}\"}}\n" : $"\"{t}\"\n"))),
            ("texts.json", "[" + string.Join(", ", texts.Select(t => $"\"{t}\"")) + "]"),
        })
        {
            string output = temp.PathOf(name + ".blocks.parquet");
            var run = CliRun.InProcess("prepare", "--data", temp.Write(name, content), "--block-size", "8", "--output", output);
            Assert.AreEqual(0, run.ExitCode, run.ToString());
            outputs.Add(File.ReadAllBytes(output));
        }
        CollectionAssert.AreEqual(outputs[0], outputs[1], "JSON Lines of strings and objects");
        CollectionAssert.AreEqual(outputs[0], outputs[2], "a JSON array of strings");
    }

    [TestMethod]
    public void BadInputsGiveOneLineAndWriteNothing()
    {
        using var temp = new TempFiles();
        string sample = temp.PathOf("sample.jsonl");
        Assert.AreEqual(0, CliRun.InProcess("sample", "--output", sample).ExitCode);
        string blocks = temp.PathOf("good.parquet");
        Assert.AreEqual(0, CliRun.InProcess("prepare", "--data", sample, "--text-column", "answers.text", "--output", blocks).ExitCode);
        var parquetBytes = File.ReadAllBytes(blocks);

        string binary = temp.PathOf("binary.txt");
        File.WriteAllBytes(binary, parquetBytes);
        string truncated = temp.PathOf("truncated.parquet");
        File.WriteAllBytes(truncated, parquetBytes[..(parquetBytes.Length - 100)]);
        string brokenArray = temp.Write("broken.json", "[{\"text\": \"a\"},\n {\"text\": \"b\" \"c\"}]");
        string unknown = temp.Write("data.dat", "hello");
        var cases = new (string[] Args, string Expected)[]
        {
            (["--data", binary], $"{binary}: binary data (a NUL byte at byte"),
            (["--data", truncated], $"{truncated}: not a readable Parquet file"),
            (["--data", blocks, "--text-column", "answers.text"], $"column 'answers.text' not found in '{blocks}'; columns present: input_ids, attention_mask, special_tokens_mask."),
            (["--data", brokenArray, "--text-column", "text"], $"{brokenArray}:2:15: invalid JSON in element 2 of the array"),
            (["--data", unknown], $"{unknown}: the extension does not say the format"),
        };
        foreach (var (args, expected) in cases)
        {
            string output = temp.PathOf("out.parquet");
            var run = CliRun.InProcess(["prepare", .. args, "--output", output]);
            Assert.AreEqual(1, run.ExitCode, run.ToString());
            StringAssert.Contains(run.Error, expected, run.ToString());
            Assert.IsFalse(File.Exists(output), $"nothing written: {run}");
            Assert.AreEqual(0, Directory.GetFiles(Path.GetDirectoryName(output)!, ".out.parquet*").Length, "no temporary file left");
        }
        // train refuses the binary file too, before any model is built
        var train = CliRun.InProcess("train", "--data", binary, "--output", temp.PathOf("run"));
        Assert.AreEqual(1, train.ExitCode);
        StringAssert.Contains(train.Error, "binary data");
    }

    [TestMethod]
    public void TrainTakesPreparedBlocksWithoutTokenizing()
    {
        using var temp = new TempFiles();
        string sample = temp.PathOf("sample.jsonl");
        Assert.AreEqual(0, CliRun.InProcess("sample", "--output", sample).ExitCode);
        string blocks = temp.PathOf("blocks.parquet");
        Assert.AreEqual(0, CliRun.InProcess("prepare", "--data", sample, "--text-column", "answers.text", "--block-size", "64", "--output", blocks).ExitCode);
        var run = CliRun.InProcess("train", "--data", blocks, "--size", "tiny", "--max-steps", "2", "--batch-size", "4", "--save-steps", "0", "--output", temp.PathOf("run"));
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Output, $"Training on prepared blocks ('input_ids') of '{blocks}'");
        Assert.IsTrue(File.Exists(temp.PathOf("run/model.zip")));
    }
}
