using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.ML;
using MlNetMlm.Cli.Serving;
using MlNetMlm.FillMask;
using MlNetMlm.Tests.Modeling;

namespace MlNetMlm.Tests.Serving;

/// <summary>A real <c>mlnet-mlm serve</c> server (Kestrel on a free loopback port) over a reference checkpoint, and a client for it.</summary>
internal sealed class ServingHarness : IAsyncDisposable
{
    private readonly MaskedLmTransformer _model;

    private ServingHarness(MaskedLmTransformer model, FillMaskService service, FillMaskServer server, StringWriter log)
    {
        (_model, Service, Server, Log) = (model, service, server, log);
        Client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public FillMaskService Service { get; }
    public FillMaskServer Server { get; }
    public StringWriter Log { get; }
    public HttpClient Client { get; }

    public static async Task<ServingHarness> StartAsync(string checkpoint = "tiny-a", FillMaskServiceOptions? options = null, ServeSettings? settings = null)
    {
        string dir = HfReference.CheckpointDir(checkpoint);
        var model = new MLContext(seed: 0).MaskedLanguageModeling().LoadFillMask(dir);
        var service = new FillMaskService(model, options);
        var log = new StringWriter();
        var server = await FillMaskServer.StartAsync(service, (settings ?? new ServeSettings()) with { Port = 0, ModelName = checkpoint }, log);
        return new ServingHarness(model, service, server, log);
    }

    public Task<HttpResponseMessage> PostAsync(string body, string path = "/") =>
        Client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

    public static string Body(object inputs, object? parameters = null) =>
        JsonSerializer.Serialize(parameters is null ? new Dictionary<string, object> { ["inputs"] = inputs } : new Dictionary<string, object> { ["inputs"] = inputs, ["parameters"] = parameters });

    /// <summary>Posts and returns the status and the parsed JSON answer.</summary>
    public async Task<(int Status, JsonElement Json, string Raw)> AskAsync(string body, string path = "/")
    {
        using var response = await PostAsync(body, path);
        string raw = await response.Content.ReadAsStringAsync();
        Assert.AreEqual("application/json", response.Content.Headers.ContentType?.MediaType, raw);
        using var doc = JsonDocument.Parse(raw);
        return ((int)response.StatusCode, doc.RootElement.Clone(), raw);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.StopAsync();
        await Server.DisposeAsync();
        Service.Dispose();
        _model.Dispose();
    }
}

/// <summary>Compares fill-mask JSON answers (HF's pipeline shape).</summary>
internal static class FillMaskAnswers
{
    /// <summary>
    /// Same shape, same token ids, token strings and sequences in the same order; scores within
    /// <paramref name="relative"/>. A batched forward rounds in another order than a forward of one text,
    /// so two correct answers for the same text can differ in a score's last float digit (see README, Serving).
    /// </summary>
    public static double AssertSame(JsonElement expected, JsonElement actual, double relative, string at)
    {
        Assert.AreEqual(expected.ValueKind, actual.ValueKind, $"{at}: JSON kind");
        if (expected.ValueKind == JsonValueKind.Array)
        {
            Assert.AreEqual(expected.GetArrayLength(), actual.GetArrayLength(), $"{at}: list length");
            double worst = 0;
            for (int i = 0; i < expected.GetArrayLength(); i++)
                worst = Math.Max(worst, AssertSame(expected[i], actual[i], relative, $"{at}[{i}]"));
            return worst;
        }
        CollectionAssert.AreEqual(new[] { "score", "token", "token_str", "sequence" }, actual.EnumerateObject().Select(p => p.Name).ToArray(), $"{at}: keys");
        Assert.AreEqual(expected.GetProperty("token").GetInt32(), actual.GetProperty("token").GetInt32(), $"{at}: token");
        Assert.AreEqual(expected.GetProperty("token_str").GetString(), actual.GetProperty("token_str").GetString(), $"{at}: token_str");
        Assert.AreEqual(expected.GetProperty("sequence").GetString(), actual.GetProperty("sequence").GetString(), $"{at}: sequence");
        double want = expected.GetProperty("score").GetDouble(), got = actual.GetProperty("score").GetDouble();
        double diff = Math.Abs(want - got) / Math.Max(Math.Abs(want), 1e-30);
        Assert.IsTrue(diff <= relative, $"{at}: score {got} vs {want} (relative difference {diff:E1} > {relative:E0})");
        return diff;
    }
}
