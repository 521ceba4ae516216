using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MlNetMlm.Cli.Serving;
using MlNetMlm.FillMask;

namespace MlNetMlm.Tests.Serving;

/// <summary><c>mlnet-mlm serve</c>'s HTTP server on real Kestrel (a free loopback port), against HF's own pipeline output.</summary>
[TestClass]
public sealed class FillMaskServerTests
{
    private static List<(string Text, JsonElement Expected)> Reference(string checkpoint)
    {
        string inputs = RepoPaths.RequireShared("hf-reference", "inputs.jsonl");
        string reference = RepoPaths.RequireShared("hf-reference", checkpoint + ".reference.jsonl");
        var texts = File.ReadLines(inputs).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!).ToList();
        var expected = File.ReadLines(reference).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("fill_mask_pipeline").Clone()).ToList();
        Assert.AreEqual(texts.Count, expected.Count);
        return texts.Zip(expected).ToList();
    }

    [TestMethod]
    [DataRow("tiny-a")]
    [DataRow("tiny-b")]
    public async Task AnswersAreHuggingFacePipelineJson(string checkpoint)
    {
        var cases = Reference(checkpoint);
        Assert.IsTrue(cases.Any(c => c.Expected[0].ValueKind == JsonValueKind.Array), "the reference has a text with several masks");
        await using var server = await ServingHarness.StartAsync(checkpoint);

        // One text per request, on both of HF's paths; HF's tolerance for two fp32 implementations.
        foreach (var (i, (text, expected)) in cases.Index())
        {
            var (status, json, raw) = await server.AskAsync(ServingHarness.Body(text), i % 2 == 0 ? "/" : $"/models/org/{checkpoint}");
            Assert.AreEqual(200, status, raw);
            FillMaskAnswers.AssertSame(expected, json, 1e-4, $"{checkpoint} text {i}");
        }

        // A list of inputs: a list of results, in order.
        var all = await server.AskAsync(ServingHarness.Body(cases.Select(c => c.Text).ToArray(), new { top_k = 5 }));
        Assert.AreEqual(200, all.Status, all.Raw);
        Assert.AreEqual(cases.Count, all.Json.GetArrayLength());
        foreach (var (i, (_, expected)) in cases.Index())
            FillMaskAnswers.AssertSame(expected, all.Json[i], 1e-4, $"{checkpoint} list item {i}");

        // top_k takes the first k of HF's five.
        var (s2, two, _) = await server.AskAsync(ServingHarness.Body(cases[0].Text, new { top_k = 2 }));
        Assert.AreEqual(200, s2);
        var firstTwo = JsonDocument.Parse(JsonSerializer.Serialize(cases[0].Expected.EnumerateArray().Take(2))).RootElement;
        FillMaskAnswers.AssertSame(firstTwo, two, 1e-4, "top_k 2");
    }

    /// <summary>
    /// <c>serve --bf16</c>: the service runs the products in bfloat16 (the answers are the model's own bf16 fill-mask,
    /// not its fp32 one) and the top-1 tokens stay HF's.
    /// </summary>
    [TestMethod]
    public async Task Bf16ServiceAnswersWithTheModelsBf16FillMask()
    {
        var cases = Reference("tiny-a");
        await using var server = await ServingHarness.StartAsync("tiny-a", new FillMaskServiceOptions { Precision = MlNetMlm.Modeling.Precision.BFloat16 });
        var texts = cases.Select(c => c.Text).ToList();
        var bf16 = server.Service.Model.FillMask(texts, 5, null, MlNetMlm.Modeling.Precision.BFloat16);
        var fp32 = server.Service.Model.FillMask(texts, 5, null, MlNetMlm.Modeling.Precision.Float32);
        double largestShift = 0;
        foreach (var (i, (text, expected)) in cases.Index())
        {
            var (status, json, raw) = await server.AskAsync(ServingHarness.Body(text));
            Assert.AreEqual(200, status, raw);
            var masks = json[0].ValueKind == JsonValueKind.Array ? json.EnumerateArray().ToList() : [json];
            var hfMasks = expected[0].ValueKind == JsonValueKind.Array ? expected.EnumerateArray().ToList() : [expected];
            for (int m = 0; m < masks.Count; m++)
            {
                Assert.AreEqual(hfMasks[m][0].GetProperty("token").GetInt64(), masks[m][0].GetProperty("token").GetInt64(), $"text {i} mask {m}: top-1 as HF");
                for (int j = 0; j < bf16[i][m].Count; j++)
                {
                    double score = masks[m][j].GetProperty("score").GetDouble();
                    // Relative: a random checkpoint's scores are small (about 1/vocabulary).
                    Assert.AreEqual(bf16[i][m][j].Score, score, 1e-5 * score, $"text {i} mask {m} rank {j}: the bf16 fill-mask's score");
                    largestShift = Math.Max(largestShift, Math.Abs(fp32[i][m][j].Score - score) / score);
                }
            }
        }
        Console.WriteLine($"largest relative difference of a served score from fp32's: {largestShift:E2}");
        Assert.IsTrue(largestShift > 1e-3, "the served scores are fp32's: the service did not run in bf16");
    }

    [TestMethod]
    public async Task TargetsAreReadAsHuggingFaceSendsThem()
    {
        await using var server = await ServingHarness.StartAsync();
        const string text = "The Milky Way is a <mask> galaxy.";
        var direct = server.Service.Model.FillMask([text], 3, [" spiral", "Ġgas"])[0];
        var expected = JsonDocument.Parse(FillMaskJson.Serialize(direct)).RootElement;
        Assert.AreEqual(2, expected.GetArrayLength(), "top_k above the number of targets gives one per target");

        var inParameters = await server.AskAsync(ServingHarness.Body(text, new { top_k = 3, targets = new[] { " spiral", "Ġgas" } }));
        FillMaskAnswers.AssertSame(expected, inParameters.Json, 0, "parameters.targets");
        // Some huggingface_hub versions send the parameters beside "inputs".
        var beside = await server.AskAsync(JsonSerializer.Serialize(new { inputs = text, top_k = 3, targets = new[] { " spiral", "Ġgas" } }));
        FillMaskAnswers.AssertSame(expected, beside.Json, 0, "top-level targets");
        // One word as a string.
        var one = await server.AskAsync(ServingHarness.Body(text, new { targets = " spiral" }));
        Assert.AreEqual(1, one.Json.GetArrayLength());
        Assert.AreEqual(" spiral", one.Json[0].GetProperty("token_str").GetString());
    }

    [TestMethod]
    public async Task ConcurrentClientsGetTheAnswersOfASequentialRun()
    {
        var cases = Reference("tiny-a");
        // A long wait makes batches certain to form while 16 clients send at once.
        await using var server = await ServingHarness.StartAsync(options: new FillMaskServiceOptions { MaxBatchSize = 32, BatchWait = TimeSpan.FromMilliseconds(20) });
        string BodyFor(int client, int n) => ServingHarness.Body(cases[(client * 7 + n) % cases.Count].Text, new { top_k = 1 + (client + n) % 5 });

        const int clients = 16, perClient = 6;
        var sequential = new Dictionary<string, JsonElement>();
        for (int c = 0; c < clients; c++)
            for (int n = 0; n < perClient; n++)
            {
                string body = BodyFor(c, n);
                if (sequential.ContainsKey(body)) continue;
                var (status, json, raw) = await server.AskAsync(body);
                Assert.AreEqual(200, status, raw);
                sequential[body] = json;
            }
        var before = server.Service.Counters;

        var start = new TaskCompletionSource();
        var runs = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            await start.Task;
            var answers = new List<(string Body, int Status, JsonElement Json, string Raw)>();
            for (int n = 0; n < perClient; n++)
            {
                string body = BodyFor(c, n);
                var (status, json, raw) = await server.AskAsync(body);
                answers.Add((body, status, json, raw));
            }
            return answers;
        })).ToArray();
        start.SetResult();
        var all = (await Task.WhenAll(runs)).SelectMany(a => a).ToList();

        Assert.AreEqual(clients * perClient, all.Count);
        double worst = 0;
        foreach (var (body, status, json, raw) in all)
        {
            Assert.AreEqual(200, status, raw);
            worst = Math.Max(worst, FillMaskAnswers.AssertSame(sequential[body], json, 1e-5, body));
        }
        var after = server.Service.Counters;
        long batches = after.Batches - before.Batches, texts = after.Texts - before.Texts;
        Console.WriteLine($"{texts} texts in {batches} batches (largest {after.LargestBatch}); worst relative score difference to the sequential run {worst:E1}");
        Assert.AreEqual(clients * perClient, texts);
        Assert.IsTrue(after.LargestBatch > 1, "16 concurrent clients were served in batches");
    }

    [TestMethod]
    public async Task BadRequestsAreJsonErrorsAndTheServerKeepsServing()
    {
        await using var server = await ServingHarness.StartAsync(settings: new ServeSettings { MaxBodyBytes = 4096 });
        string tooLong = string.Join(" ", Enumerable.Repeat("word", 200)) + " <mask>";
        var cases = new (string Body, int Status, string Says)[]
        {
            ("{\"inputs\": \"a <mask>\"", 400, "not valid JSON"),
            ("", 400, "not valid JSON"),
            ("[\"a <mask>\"]", 400, "expected an object"),
            ("{\"text\": \"a <mask>\"}", 400, "no \"inputs\""),
            ("{\"inputs\": 5}", 400, "\"inputs\" is a number"),
            ("{\"inputs\": []}", 400, "empty list"),
            ("{\"inputs\": [\"a <mask>\", 3]}", 400, "inputs[1] is a number"),
            ("{\"inputs\": \"no mask here\"}", 400, "No <mask>"),
            ("{\"inputs\": [\"a <mask>\", \"no mask here\"]}", 400, "inputs[1]: No <mask>"),
            (ServingHarness.Body(tooLong), 400, "at most 128"),
            ("{\"inputs\": \"a <mask>\", \"parameters\": {\"top_k\": 0}}", 400, "top_k is 0"),
            ("{\"inputs\": \"a <mask>\", \"parameters\": {\"top_k\": \"5\"}}", 400, "top_k is \"5\""),
            ("{\"inputs\": \"a <mask>\", \"parameters\": {\"top_k\": 2.5}}", 400, "top_k is 2.5"),
            ("{\"inputs\": \"a <mask>\", \"parameters\": {\"targets\": []}}", 400, "targets is an empty list"),
            ("{\"inputs\": \"a <mask>\", \"parameters\": {\"targets\": [\"x\", 1]}}", 400, "targets[1] is a number"),
            ("{\"inputs\": \"a <mask>\", \"parameters\": {\"targets\": [\"\"]}}", 400, "targets[0] is an empty string"),
            ("{\"inputs\": \"a <mask>\", \"parameters\": {\"topk\": 3}}", 400, "parameters.topk is not a fill-mask parameter"),
            ("{\"inputs\": \"a <mask>\", \"parameters\": \"fast\"}", 400, "\"parameters\" is a string"),
            ("{\"inputs\": \"" + new string('x', 5000) + " <mask>\"}", 413, "larger than 4096 bytes"),
        };
        foreach (var (body, status, says) in cases)
        {
            var (got, json, raw) = await server.AskAsync(body);
            Assert.AreEqual(status, got, $"{body[..Math.Min(60, body.Length)]}: {raw}");
            Assert.AreEqual(1, json.EnumerateObject().Count(), raw);
            StringAssert.Contains(json.GetProperty("error").GetString(), says, raw);
            var (ok, _, okRaw) = await server.AskAsync(ServingHarness.Body("The <mask> sat."));
            Assert.AreEqual(200, ok, $"after {body[..Math.Min(60, body.Length)]}: {okRaw}");
        }

        using var missing = await server.Client.GetAsync("/nothing");
        Assert.AreEqual(HttpStatusCode.NotFound, missing.StatusCode);
        StringAssert.Contains(await missing.Content.ReadAsStringAsync(), "\"error\"");
        using var wrongMethod = await server.Client.PutAsync("/health", new StringContent(""));
        Assert.AreEqual(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        StringAssert.Contains(await wrongMethod.Content.ReadAsStringAsync(), "PUT is not allowed");

        // One log line per request, with its latency.
        var lines = server.Log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(cases.Length * 2 + 2, lines.Length, server.Log.ToString());
        StringAssert.Matches(lines[0], new System.Text.RegularExpressions.Regex(@"^\d\d:\d\d:\d\d\.\d{3} POST / 400 \d+\.\d ms\r?$"));
    }

    [TestMethod]
    public async Task HealthAndTheIndexAnswerByAccept()
    {
        await using var server = await ServingHarness.StartAsync();
        using var health = await server.Client.GetAsync("/health");
        Assert.AreEqual(HttpStatusCode.OK, health.StatusCode);
        Assert.AreEqual("ok", JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());

        using var html = new HttpRequestMessage(HttpMethod.Get, "/");
        html.Headers.Accept.ParseAdd("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8");
        using var page = await server.Client.SendAsync(html);
        Assert.AreEqual("text/html", page.Content.Headers.ContentType?.MediaType);
        string markup = await page.Content.ReadAsStringAsync();
        StringAssert.Contains(markup, "<button id=\"fill\"");
        Assert.IsFalse(markup.Contains("src=\"http", StringComparison.Ordinal) || markup.Contains("href=\"http", StringComparison.Ordinal), "no external assets");

        using var plain = await server.Client.GetAsync("/");
        Assert.AreEqual("application/json", plain.Content.Headers.ContentType?.MediaType);
        Assert.AreEqual("tiny-a", JsonDocument.Parse(await plain.Content.ReadAsStringAsync()).RootElement.GetProperty("model").GetString());
    }

    [TestMethod]
    public async Task ARequestOverTheTimeoutIsA504AndTheServerGoesOn()
    {
        // The batch wait (3 s) keeps a lone text waiting longer than the request timeout (0.5 s).
        await using var server = await ServingHarness.StartAsync(
            options: new FillMaskServiceOptions { BatchWait = TimeSpan.FromSeconds(3) },
            settings: new ServeSettings { RequestTimeout = TimeSpan.FromMilliseconds(500) });
        var (status, json, raw) = await server.AskAsync(ServingHarness.Body("The <mask> sat."));
        Assert.AreEqual(504, status, raw);
        StringAssert.Contains(json.GetProperty("error").GetString(), "longer than 0.5 s");
        using var health = await server.Client.GetAsync("/health");
        Assert.AreEqual(HttpStatusCode.OK, health.StatusCode);
    }

    [TestMethod]
    public async Task StoppingFinishesTheRequestsInFlight()
    {
        // Texts wait 2 s for a batch, so the stop surely comes while they are in flight.
        var harness = await ServingHarness.StartAsync(options: new FillMaskServiceOptions { BatchWait = TimeSpan.FromSeconds(2) });
        try
        {
            var inFlight = Enumerable.Range(0, 4).Select(i => harness.AskAsync(ServingHarness.Body($"Request {i} asks for the <mask>."))).ToArray();
            for (int spins = 0; harness.Service.Counters.Waiting < 4; spins++)
            {
                Assert.IsTrue(spins < 600, "the four requests reached the service");
                await Task.Delay(10);
            }
            var stop = harness.Server.StopAsync();
            foreach (var (i, task) in inFlight.Index())
            {
                var (status, json, raw) = await task;
                Assert.AreEqual(200, status, $"request {i}: {raw}");
                Assert.AreEqual(5, json.GetArrayLength());
            }
            await stop;
            await Assert.ThrowsExactlyAsync<HttpRequestException>(() => harness.Client.GetAsync("/health"));
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }
}
