namespace MlNetMlm.Tests.Cli;

/// <summary>
/// The README's one rule for errors, for every command: exactly one line <c>command: what is wrong</c> on standard
/// error, exit code 1, nothing on standard error before it; <c>--verbose</c> adds the stack trace after that line.
/// </summary>
[TestClass]
public sealed class CliErrorRuleTests
{
    private static TempFiles s_files = null!;

    [ClassInitialize]
    public static void Setup(TestContext _)
    {
        s_files = new TempFiles();
        s_files.Write("full/keep.txt", "a file the user made");
        s_files.Write("exists.jsonl", "{\"text\": \"The sun is a star.\"}\n");
        s_files.Write("bad.jsonl", "\"fine\"\n{\"text\": 42}\n");
    }

    [ClassCleanup]
    public static void Cleanup() => s_files?.Dispose();

    private static string At(string name) => s_files.PathOf(name);

    /// <summary>A failing invocation of each command (its bad input in its own words), and what the line must name.</summary>
    public static IEnumerable<object[]> FailingInvocations =>
    [
        ["demo", new[] { "demo", "--size", "tiny", "--steps", "1", "--output", "@full" }, "--overwrite"],
        ["train", new[] { "train", "--data", "@none.jsonl", "--output", "@train-out" }, "none.jsonl' not found"],
        ["evaluate", new[] { "evaluate", "--model", "@none.zip", "--data", "@exists.jsonl" }, "none.zip"],
        ["fill-mask", new[] { "fill-mask", "--model", "@none.zip", "a <mask>" }, "none.zip"],
        ["export", new[] { "export", "--model", "@none.zip", "--hf", "@export-out" }, "none.zip"],
        ["info", new[] { "info", "--model", "@none.zip" }, "none.zip"],
        ["sample", new[] { "sample", "--output", "@exists.jsonl" }, "--overwrite"],
        ["tokenize", new[] { "tokenize", "--tokenizer", "@no-tokenizer" }, "no-tokenizer"],
        ["bench model", new[] { "bench", "model", "--shape", "@no-config.json" }, "--shape"],
        ["bench train", new[] { "bench", "train", "--shape", "@no-config.json", "--matmul-peak", "off" }, "--shape"],
        ["bench fillmask", new[] { "bench", "fillmask", "--shape", "tiny", "--corpus", "@none.jsonl", "--runs", "1" }, "none.jsonl"],
        ["bench tokenizer", new[] { "bench", "tokenizer", "--corpus", "@bad.jsonl", "--passes", "1" }, "bad.jsonl:2"],
        ["bench prep", new[] { "bench", "prep", "--data", "@none.jsonl" }, "none.jsonl"],
    ];

    private static string[] Resolve(string[] args) => args.Select(a => a.StartsWith('@') ? At(a[1..]) : a).ToArray();

    [TestMethod]
    [DynamicData(nameof(FailingInvocations))]
    public void ErrorIsOneLineOnStandardErrorWithExitCode1(string command, string[] args, string names)
    {
        var run = CliRun.InProcess(Resolve(args));
        string line = CliRun.AssertOneLineError(run, names, command);
        Assert.IsFalse(run.Output.Contains(line[$"{command}: ".Length..]), $"the error is not printed on standard output:\n{run}");
    }

    [TestMethod]
    [DynamicData(nameof(FailingInvocations))]
    public void VerboseAddsTheStackTraceAfterTheSameLine(string command, string[] args, string names)
    {
        var plain = CliRun.InProcess(Resolve(args));
        var verbose = CliRun.InProcess([.. Resolve(args), "--verbose"]);
        Assert.AreEqual(1, verbose.ExitCode, verbose.ToString());
        var lines = verbose.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(plain.Error.Split('\n')[0], lines[0], "the same first line");
        if (command == "tokenize") return; // tokenize reports expected input problems itself; they have no stack to show
        Assert.IsTrue(lines.Skip(1).Any(l => l.StartsWith("   at ", StringComparison.Ordinal)), $"--verbose prints the stack trace:\n{verbose}");
        StringAssert.Contains(verbose.Error, names);
    }

    [TestMethod]
    public void AParseErrorGoesToStandardErrorWithExitCode1()
    {
        // The wording of parse errors is the option parser's; the rule that holds for them too: stderr and exit 1.
        var run = CliRun.InProcess("bench", "model", "--steps", "0");
        Assert.AreEqual(1, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Error, "--steps must be at least 1", run.ToString());
        Assert.IsFalse(run.Output.Contains("--steps must be at least 1"), run.ToString());
    }
}
