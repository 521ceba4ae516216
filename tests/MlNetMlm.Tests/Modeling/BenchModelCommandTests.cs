using System.Text.Json;

namespace MlNetMlm.Tests.Modeling;

[TestClass]
public sealed class BenchModelCommandTests
{
    [TestMethod]
    public void TinyBenchPrintsBothThroughputsAsJson()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = MlNetMlm.Cli.Program.Run(["bench", "model", "--shape", "tiny", "--batch-size", "2", "--seq-len", "16", "--steps", "1", "--warmup", "0", "--sparse-head", "off", "--json"], output, error);
        Assert.AreEqual(0, code, output + error.ToString());
        using var doc = JsonDocument.Parse(output.ToString());
        var r = doc.RootElement;
        Assert.IsTrue(r.GetProperty("forward_tokens_per_s").GetDouble() > 0);
        Assert.IsTrue(r.GetProperty("forward_backward_tokens_per_s").GetDouble() > 0);
        Assert.IsFalse(r.GetProperty("sparse_head").GetBoolean());
        Assert.AreEqual(16, r.GetProperty("seq_len").GetInt32());
    }

    [TestMethod]
    public void BadOptionsAreRejected()
    {
        var parse = Cli.CliRun.InProcess("bench", "model", "--sparse-head", "maybe");
        Assert.AreEqual(1, parse.ExitCode, parse.ToString());
        StringAssert.Contains(parse.Error, "maybe");
        Cli.CliRun.AssertOneLineError(Cli.CliRun.InProcess("bench", "model", "--shape", "tiny", "--seq-len", "500"), "exceeds", "bench model");
    }
}
