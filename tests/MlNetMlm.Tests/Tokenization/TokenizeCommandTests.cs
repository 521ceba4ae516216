using MlNetMlm.Cli;

namespace MlNetMlm.Tests.Tokenization;

/// <summary><c>mlnet-mlm tokenize</c>, run in-process on the offline default tokenizer (specials 0..3, GPT-2 ids + 4, <mask> 50261).</summary>
[TestClass]
public sealed class TokenizeCommandTests
{
    private static (int Exit, string Output, string Error) Run(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = Program.Run(["tokenize", .. args], output, error, new StringReader(stdin));
        return (exit, output.ToString().ReplaceLineEndings("\n"), error.ToString());
    }

    /// <summary>The README's error rule: exit code 1 and one line on standard error, "tokenize: …".</summary>
    private static void AssertOneLine(int exit, string error) => Cli.CliRun.AssertOneLineError(new(exit, "", error), "", "tokenize");

    [TestMethod]
    public void EncodesStringsAndFieldsOnePerLine()
    {
        var (exit, output, error) = Run("\uFEFF\"Hello world\"\n{\"answers\":{\"text\":[\"Hello\",\"world\"]}}\n\n{\"answers\":{\"text\":\"Hello world\"}}\n", "--field", "answers.text");
        Assert.AreEqual(0, exit, error);
        Assert.AreEqual("[0,15500,999,2]\n[0,15500,999,2]\n[0,15500,999,2]\n", output);
    }

    [TestMethod]
    public void TokensOptionAddsTokenStrings()
    {
        var (exit, output, error) = Run("{\"text\":\"Hello world\"}\n", "--tokens");
        Assert.AreEqual(0, exit, error);
        Assert.AreEqual("{\"ids\":[0,15500,999,2],\"tokens\":[\"<s>\",\"Hello\",\"Ġworld\",\"</s>\"]}\n", output);
    }

    [TestMethod]
    public void DecodeTurnsIdArraysIntoText()
    {
        var (exit, output, error) = Run("[0,15500,999,2]\n[]\n", "--decode");
        Assert.AreEqual(0, exit, error);
        Assert.AreEqual("\"<s>Hello world</s>\"\n\"\"\n", output);
        Assert.AreEqual("\"Hello world\"\n", Run("[0,15500,999,2]\n", "--decode", "--skip-special-tokens").Output);
    }

    [TestMethod]
    public void RobertaBaseFolderGivesReferenceIds()
    {
        string dir = RepoPaths.RequireShared("roberta-base");
        var (exit, output, error) = Run("\"Hello world\"\n", "--tokenizer", dir);
        Assert.AreEqual(0, exit, error);
        Assert.AreEqual("[" + string.Join(",", ReferenceData.ReadIds("edge-cases.ids.jsonl")[0]) + "]\n", output);
    }

    [TestMethod]
    public void BadLineStopsWithItsNumberAndNoStackTrace()
    {
        var (exit, output, error) = Run("\"fine\"\n{\"text\": 42}\n\"never reached\"\n");
        AssertOneLine(exit, error);
        Assert.AreEqual("[0,38129,2]\n", output, "lines before the bad one are written");
        StringAssert.Contains(error, "line 2");
        StringAssert.Contains(error, "'text'");
        Assert.IsFalse(error.Contains("   at "), error);

        var (exit2, _, error2) = Run("[1,2]\n{oops\n", "--decode");
        AssertOneLine(exit2, error2);
        StringAssert.Contains(error2, "line 2");
        StringAssert.Contains(error2, "not valid JSON");
    }

    [TestMethod]
    public void MissingTokenizerFolderIsAnErrorWithoutStackTrace()
    {
        var (exit, _, error) = Run("\"x\"\n", "--tokenizer", "/no/such/folder");
        AssertOneLine(exit, error);
        StringAssert.Contains(error, "/no/such/folder");
        Assert.IsFalse(error.Contains("   at "), error);
    }

    [TestMethod]
    public void OutputIsWrittenBeforeTheNextLineIsRead()
    {
        var output = new StringWriter();
        var input = new ProbeReader(["\"Hello world\"", "\"Hello world\""], output);
        int exit = Program.Run(["tokenize"], output, new StringWriter(), input);
        Assert.AreEqual(0, exit);
        Assert.AreEqual(1, input.OutputLinesSeenBeforeSecondRead, "the first result was written before the second line was read");
    }

    /// <summary>Serves lines one by one and records how much output existed when the second line was asked for.</summary>
    private sealed class ProbeReader(string[] lines, StringWriter output) : TextReader
    {
        private int _next;
        public int OutputLinesSeenBeforeSecondRead { get; private set; } = -1;

        public override string? ReadLine()
        {
            if (_next == 1) OutputLinesSeenBeforeSecondRead = output.ToString().Count(c => c == '\n');
            return _next < lines.Length ? lines[_next++] : null;
        }
    }
}
