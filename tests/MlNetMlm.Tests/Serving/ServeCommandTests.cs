using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MlNetMlm.Tests.Cli;
using MlNetMlm.Tests.Modeling;

namespace MlNetMlm.Tests.Serving;

/// <summary><c>mlnet-mlm serve</c> as its own process: address, signals, option errors.</summary>
[TestClass]
public sealed class ServeCommandTests
{
    [TestMethod]
    public async Task SigtermStopsTheServerAfterTheRequestsInFlight()
    {
        if (!OperatingSystem.IsLinux()) Assert.Inconclusive("SKIPPED: sends SIGTERM with kill(1), Linux only.");
        string dir = HfReference.CheckpointDir("tiny-a");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Each text waits 4 s for batch mates, so the signal surely arrives while the requests are in flight.
        // --bf16 rides along: the start line must say the service runs in bf16.
        foreach (var a in new[] { CliRun.CliDll, "serve", "--model", dir, "--port", "0", "--batch-wait-ms", "4000", "--bf16" }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = new StringBuilder();
        var address = new TaskCompletionSource<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stdout) stdout.AppendLine(e.Data);
            int at = e.Data.IndexOf(" on http://", StringComparison.Ordinal);
            if (e.Data.StartsWith("serving ", StringComparison.Ordinal) && at > 0) address.TrySetResult(e.Data[(at + 4)..].Split(' ')[0]);
        };
        var stderr = process.StandardError.ReadToEndAsync();
        process.BeginOutputReadLine();
        try
        {
            var ready = await Task.WhenAny(address.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(120)));
            Assert.IsTrue(address.Task.IsCompleted, $"serve printed its address: {stdout} {(process.HasExited ? await stderr : "")}");
            string url = address.Task.Result;
            StringAssert.StartsWith(url, "http://127.0.0.1:", "loopback unless --host says otherwise");
            StringAssert.Contains(stdout.ToString(), "serving tiny-a in bf16 on ", "--bf16 reaches the service");

            using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
            var inFlight = Enumerable.Range(0, 2).Select(i => client.PostAsync("/", new StringContent(JsonSerializer.Serialize(new { inputs = $"Request {i} asks for the <mask>." }), Encoding.UTF8, "application/json"))).ToArray();
            await Task.Delay(1000); // the requests reach the server (they then wait for the batch)
            Process.Start("kill", ["-TERM", process.Id.ToString()])!.WaitForExit();

            foreach (var (i, task) in inFlight.Index())
            {
                using var response = await task;
                string body = await response.Content.ReadAsStringAsync();
                Assert.AreEqual(200, (int)response.StatusCode, $"request {i}: {body}");
                Assert.AreEqual(5, JsonDocument.Parse(body).RootElement.GetArrayLength());
            }
            Assert.IsTrue(process.WaitForExit(TimeSpan.FromSeconds(60)), "serve exits after SIGTERM");
            process.WaitForExit();
            Assert.AreEqual(0, process.ExitCode, $"{stdout}\n{await stderr}");
            string log = stdout.ToString();
            Assert.AreEqual(2, log.Split('\n').Count(l => l.Contains(" POST / 200 ", StringComparison.Ordinal)), log);
            StringAssert.Contains(log, "stopped after 2 requests.");
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [TestMethod]
    public void OptionErrorsAreOneLine()
    {
        var badHost = CliRun.InProcess("serve", "--model", "whatever.zip", "--host", "example.org");
        Assert.AreEqual(1, badHost.ExitCode, badHost.ToString());
        StringAssert.Contains(badHost.Error, "--host 'example.org' is not an IP address");
        Assert.AreEqual(1, badHost.Error.Trim().Split('\n').Length, badHost.Error);

        var missing = CliRun.InProcess("serve", "--model", Path.Combine(Path.GetTempPath(), "no-such-model.zip"));
        Assert.AreEqual(1, missing.ExitCode, missing.ToString());
        StringAssert.Contains(missing.Error, "not found");

        var badBatch = CliRun.InProcess("serve", "--model", "m.zip", "--max-batch", "0");
        Assert.AreEqual(1, badBatch.ExitCode, badBatch.ToString());
        StringAssert.Contains(badBatch.Error, "--max-batch must be at least 1");
    }
}
