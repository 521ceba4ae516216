using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.ML;
using MlNetMlm.FillMask;
using MlNetMlm.Tests.Modeling;

namespace MlNetMlm.Tests.Serving;

/// <summary>The library's thread-safe batching <see cref="FillMaskService"/> and its ASP.NET Core registration.</summary>
[TestClass]
public sealed class FillMaskServiceTests
{
    private static MaskedLmTransformer Load() => new MLContext(seed: 0).MaskedLanguageModeling().LoadFillMask(HfReference.CheckpointDir("tiny-a"));

    private static void AssertSameCandidates(IReadOnlyList<IReadOnlyList<FillMaskCandidate>> expected, IReadOnlyList<IReadOnlyList<FillMaskCandidate>> actual, string at)
    {
        Assert.AreEqual(expected.Count, actual.Count, $"{at}: masks");
        for (int m = 0; m < expected.Count; m++)
        {
            CollectionAssert.AreEqual(expected[m].Select(c => (c.Token, c.TokenStr, c.Sequence)).ToList(), actual[m].Select(c => (c.Token, c.TokenStr, c.Sequence)).ToList(), $"{at} mask {m}");
            for (int j = 0; j < expected[m].Count; j++)
                Assert.AreEqual(expected[m][j].Score, actual[m][j].Score, 1e-5 * expected[m][j].Score, $"{at} mask {m} candidate {j}: score");
        }
    }

    [TestMethod]
    public async Task ABadTextFailsAloneAndItsBatchMatesGetTheirAnswers()
    {
        using var model = Load();
        using var service = new FillMaskService(model, new FillMaskServiceOptions { MaxBatchSize = 8, BatchWait = TimeSpan.FromMilliseconds(300) });
        string[] good = ["The <mask> sat on the mat.", "Stars are made of <mask>.", "A <mask> and a <mask>."];
        var tasks = good.Select(t => service.FillMaskAsync(t)).Append(service.FillMaskAsync("no mask in this one")).ToArray();
        var error = await Assert.ThrowsExactlyAsync<ArgumentException>(() => tasks[^1]);
        StringAssert.Contains(error.Message, "No <mask>");
        for (int i = 0; i < good.Length; i++)
            AssertSameCandidates(model.FillMask(good[i]), await tasks[i], good[i]);
        Assert.AreEqual(4, service.Counters.LargestBatch, "the four texts were gathered into one batch");
    }

    [TestMethod]
    public async Task TopKAndTargetsPerCallShareTheQueue()
    {
        using var model = Load();
        using var service = new FillMaskService(model, new FillMaskServiceOptions { TopK = 4, BatchWait = TimeSpan.FromMilliseconds(100) });
        const string text = "The Milky Way is a <mask> galaxy.";
        var byDefault = service.FillMaskAsync(text);
        var two = service.FillMaskAsync(text, topK: 2);
        var targeted = service.FillMaskAsync(text, targets: [" spiral", " star"]);
        Assert.AreEqual(4, (await byDefault)[0].Count, "the service's TopK");
        AssertSameCandidates(model.FillMask([text], 2)[0], await two, "top-k 2");
        AssertSameCandidates(model.FillMask([text], 4, [" spiral", " star"])[0], await targeted, "targets");
    }

    [TestMethod]
    public async Task DisposeFinishesQueuedTextsThenRefusesNewOnes()
    {
        using var model = Load();
        var service = new FillMaskService(model, new FillMaskServiceOptions { BatchWait = TimeSpan.FromSeconds(5) });
        var queued = service.FillMaskAsync("The <mask> sat.");
        service.Dispose(); // does not wait the 5 s: closing ends the gathering
        Assert.AreEqual(5, (await queued.WaitAsync(TimeSpan.FromSeconds(60)))[0].Count);
        Assert.ThrowsExactly<ObjectDisposedException>(() => service.FillMaskAsync("The <mask> sat."));
        Assert.AreEqual(5, model.FillMask("The <mask> sat.")[0].Count, "a model the caller owns stays usable");
    }

    [TestMethod]
    public void BadOptionsAreClearErrors()
    {
        using var model = Load();
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new FillMaskService(model, new FillMaskServiceOptions { MaxBatchSize = 0 })).Message, "MaxBatchSize must be at least 1");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ServiceCollection().AddMlNetMlmFillMask("x", o => o.TopK = 0)).Message, "TopK must be at least 1");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new FillMaskService(model, new FillMaskServiceOptions { Precision = (MlNetMlm.Modeling.Precision)7 })).Message, "Precision must be Float32 or BFloat16 (got 7)");
        var missing = Path.Combine(Path.GetTempPath(), "no-such-model.zip");
        StringAssert.Contains(Assert.ThrowsExactly<FileNotFoundException>(() => FillMaskService.Load(missing)).Message, "not found");
    }

    internal sealed record FillRequest(string Text);

    /// <summary>The README's ASP.NET Core use: register, inject, answer on Kestrel; the container disposes the service.</summary>
    [TestMethod]
    public async Task AddMlNetMlmFillMaskServesAnAspNetCoreApp()
    {
        string dir = HfReference.CheckpointDir("tiny-a");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddMlNetMlmFillMask(dir, o => o.TopK = 3);
        var app = builder.Build();
        app.MapPost("/fill", async (FillMaskService fillMask, FillRequest request, CancellationToken cancel) =>
        {
            var perMask = await fillMask.FillMaskAsync(request.Text, cancellationToken: cancel);
            return Results.Text(FillMaskJson.Serialize(perMask), "application/json");
        });
        await app.StartAsync();
        FillMaskService service;
        try
        {
            string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var client = new HttpClient { BaseAddress = new Uri(address) };
            const string text = "Stars are made of <mask>.";
            var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.PostAsJsonAsync("/fill", new FillRequest(text))));
            service = app.Services.GetRequiredService<FillMaskService>();
            using var model = Load();
            var expected = JsonDocument.Parse(FillMaskJson.Serialize(model.FillMask([text], 3)[0])).RootElement;
            foreach (var answer in answers)
            {
                Assert.AreEqual(HttpStatusCode.OK, answer.StatusCode);
                FillMaskAnswers.AssertSame(expected, JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement, 1e-5, "answer");
            }
            Assert.AreSame(service, app.Services.GetRequiredService<FillMaskService>(), "one service for the app");
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        Assert.ThrowsExactly<ObjectDisposedException>(() => service.FillMaskAsync("The <mask> sat."), "the container disposed the service");
    }
}
