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
        string dir = Path.Combine(Path.GetTempPath(), $"mlnetmlm-readme-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
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
        Directory.Delete(dir, recursive: true);
    }
}
