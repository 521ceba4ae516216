using System.Globalization;
using System.Text.Json;

namespace MlNetMlm.Tests.Serving;

/// <summary>The page of <c>mlnet-mlm serve</c> in a real browser: type, press the button, read the top-k bars.</summary>
[TestClass]
public sealed class BrowserPageTests
{
    [TestMethod]
    [TestCategory("Browser")]
    public async Task ThePageFillsTheMaskInARealBrowser()
    {
        string? chromium = HeadlessChromium.Find();
        if (chromium is null)
        {
            const string reason = "SKIPPED: no chromium (Debian: apt-get install chromium; .ci/run installs it).";
            Console.WriteLine(reason);
            Assert.Inconclusive(reason);
        }
        await using var server = await ServingHarness.StartAsync();
        await using var browser = await HeadlessChromium.StartAsync(chromium);

        await browser.SendAsync("Page.navigate", new { url = server.Server.Address.ToString() });
        await browser.WaitForAsync("document.readyState === 'complete' && document.getElementById('model').textContent === 'tiny-a'", "the model's name from /health");

        const string sentence = "Water boils at a lower temperature on a high <mask>.";
        await browser.TypeAsync("text", sentence);
        Assert.AreEqual(sentence, (await browser.EvaluateAsync("document.getElementById('text').value"))!.GetValue<string>(), "typed into the box");
        await browser.ClickAsync("fill");
        await browser.WaitForAsync("document.body.dataset.done === '1'", "an answer");

        string shown = (await browser.EvaluateAsync("""
            JSON.stringify([...document.querySelectorAll('#results .row')].map(r => ({
              token: Number(r.dataset.token),
              tokenStr: r.querySelector('.token').textContent,
              score: r.querySelector('.score').textContent,
              width: r.querySelector('.fill').style.width,
              sequence: r.querySelector('.sequence').textContent })))
            """))!.GetValue<string>();
        var rows = JsonDocument.Parse(shown).RootElement;

        // What the page shows is what the API answers for the same text.
        var (status, expected, raw) = await server.AskAsync(ServingHarness.Body(sentence, new { top_k = 5 }));
        Assert.AreEqual(200, status, raw);
        Assert.AreEqual(5, rows.GetArrayLength(), shown);
        for (int i = 0; i < 5; i++)
        {
            var want = expected[i];
            var row = rows[i];
            Assert.AreEqual(want.GetProperty("token").GetInt32(), row.GetProperty("token").GetInt32(), $"row {i}: token");
            Assert.AreEqual(want.GetProperty("token_str").GetString(), JsonSerializer.Deserialize<string>(row.GetProperty("tokenStr").GetString()!), $"row {i}: token (shown quoted)");
            Assert.AreEqual(want.GetProperty("sequence").GetString(), row.GetProperty("sequence").GetString(), $"row {i}: sequence");
            double score = want.GetProperty("score").GetDouble();
            double displayed = double.Parse(row.GetProperty("score").GetString()!, CultureInfo.InvariantCulture);
            Assert.AreEqual(score, displayed, 0.06 * score, $"row {i}: score shown {row.GetProperty("score")}");
            double width = double.Parse(row.GetProperty("width").GetString()!.TrimEnd('%'), CultureInfo.InvariantCulture);
            Assert.AreEqual(100 * score, width, 0.01, $"row {i}: bar width");
        }

        // A text without a mask shows the server's error, and no bars.
        await browser.TypeAsync("text", "no blank in this sentence");
        await browser.ClickAsync("fill");
        await browser.WaitForAsync("document.body.dataset.done === '2'", "a second answer");
        StringAssert.Contains((await browser.EvaluateAsync("document.getElementById('error').textContent"))!.GetValue<string>(), "No <mask>");
        Assert.AreEqual(0, (await browser.EvaluateAsync("document.querySelectorAll('#results .row').length"))!.GetValue<int>());
    }
}
