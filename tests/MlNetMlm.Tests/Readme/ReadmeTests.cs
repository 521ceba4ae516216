using System.Text.RegularExpressions;

namespace MlNetMlm.Tests.Readme;

/// <summary>The README's C# example is the code that <see cref="ReadmeExample"/> runs, and it works.</summary>
[TestClass]
public sealed partial class ReadmeTests
{
    [GeneratedRegex(@"<!-- csharp-example -->\s*```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ExampleBlock();

    private static string Region(string[] lines, string marker)
    {
        int start = Array.FindIndex(lines, l => l.Trim() == $"// README:{marker}");
        int end = Array.FindIndex(lines, start + 1, l => l.Trim() == "// README:end");
        Assert.IsTrue(start >= 0 && end > start, $"region {marker} not found in ReadmeExample.cs");
        var region = lines[(start + 1)..end];
        int indent = region.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return string.Join("\n", region.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
    }

    [TestMethod]
    public void ReadmeExampleIsTheTestedCode()
    {
        string readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md")).Replace("\r\n", "\n");
        var match = ExampleBlock().Match(readme);
        Assert.IsTrue(match.Success, "README.md has no block marked <!-- csharp-example -->");
        var lines = File.ReadAllLines(Path.Combine(RepoPaths.Root, "tests", "MlNetMlm.Tests", "Readme", "ReadmeExample.cs"));
        string expected = Region(lines, "usings") + "\n\n" + Region(lines, "body") + "\n";
        Assert.AreEqual(expected, match.Groups["code"].Value, "README's C# example and tests/MlNetMlm.Tests/Readme/ReadmeExample.cs must say the same");
    }

    [TestMethod]
    public void ReadmeExampleRuns()
    {
        using var files = new TempFiles();
        string dir = files.Path;
        string previous = Environment.CurrentDirectory;
        var output = new StringWriter();
        var console = Console.Out;
        try
        {
            Environment.CurrentDirectory = dir;
            Console.SetOut(output);
            ReadmeExample.Run();
        }
        finally
        {
            Console.SetOut(console);
            Environment.CurrentDirectory = previous;
        }
        string text = output.ToString();
        Console.WriteLine(text);
        Assert.IsTrue(File.Exists(Path.Combine(dir, "model.zip")));
        var perplexity = Regex.Match(text, @"perplexity (\d+) -> (\d+)");
        Assert.IsTrue(perplexity.Success, text);
        Assert.IsTrue(int.Parse(perplexity.Groups[2].Value) < int.Parse(perplexity.Groups[1].Value), "training lowers perplexity");
        Assert.AreEqual(5, text.Split('\n').Count(l => l.Contains("The Milky Way is a")), "five candidates, each a filled sentence");
    }

    /// <summary>The README's status row quotes the FLOP utilisation of the benchmark table, not a figure of its own.</summary>
    [TestMethod]
    public void StatusRowQuotesTheBenchTable()
    {
        string bench = File.ReadAllText(Path.Combine(RepoPaths.Root, "bench", "README.md"));
        string readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var table = Regex.Match(bench, @"\| 3 \| FLOP utilisation[^|]*\| ours sparse (\d+)%");
        var status = Regex.Match(readme, @"\| Benchmarks against HF tokenizers and PyTorch[^|]*\| done; FLOP utilisation (\d+)%");
        Assert.IsTrue(table.Success, "bench/README.md has no FLOP-utilisation row");
        Assert.IsTrue(status.Success, "README.md's status row names no FLOP utilisation");
        Assert.AreEqual(table.Groups[1].Value, status.Groups[1].Value, "README.md's status row and bench/README.md's table disagree");
    }

    /// <summary>
    /// bench/README.md's table is what bench/run_all.py computes from the saved runs (bench/results/latest.json):
    /// recomputing it gives the same rows, so the table cannot drift from the code that says how it is computed.
    /// </summary>
    [TestMethod]
    public void BenchTableIsWhatRunAllComputesFromTheSavedRuns()
    {
        var (exit, stdout, stderr) = ExternalTool.Run("python3", Path.Combine("bench", "run_all.py"), "--replay", Path.Combine("bench", "results", "latest.json"), "--no-readme");
        Assert.AreEqual(0, exit, stderr);
        string bench = File.ReadAllText(Path.Combine(RepoPaths.Root, "bench", "README.md"));
        static string[] Rows(string text) => text.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).ToArray();
        string table = bench[bench.IndexOf("<!-- results:begin -->", StringComparison.Ordinal)..bench.IndexOf("<!-- results:end -->", StringComparison.Ordinal)];
        var expected = Rows(stdout);
        Assert.IsTrue(expected.Length > 5, stdout);
        CollectionAssert.AreEqual(expected, Rows(table), "bench/README.md's table differs from `python3 bench/run_all.py --replay bench/results/latest.json`");
    }
}
