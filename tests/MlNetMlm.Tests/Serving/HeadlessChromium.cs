using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MlNetMlm.Tests.Serving;

/// <summary>
/// A real headless Chromium driven over the DevTools protocol (a WebSocket, JSON commands): navigate, evaluate
/// JavaScript, type text and click with input events as a user's keyboard and mouse would send them.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket;
    private int _nextId;

    private HeadlessChromium(Process process, string profile, ClientWebSocket socket) => (_process, _profile, _socket) = (process, profile, socket);

    /// <summary>The browser's path, or null when none is installed (Debian: <c>apt-get install chromium</c>).</summary>
    public static string? Find() =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

    public static async Task<HeadlessChromium> StartAsync(string executable)
    {
        string profile = Directory.CreateTempSubdirectory("mlnetmlm-chromium-").FullName;
        var start = new ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[]
        {
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
            $"--user-data-dir={profile}", "about:blank",
        }) start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            // Chromium writes the port it took (and the browser's WebSocket path) into DevToolsActivePort.
            string portFile = Path.Combine(profile, "DevToolsActivePort");
            var deadline = Stopwatch.StartNew();
            while (!File.Exists(portFile) || File.ReadAllLines(portFile).Length < 2)
            {
                if (process.HasExited) throw new InvalidOperationException($"chromium exited with {process.ExitCode}: {stderr}");
                if (deadline.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"chromium did not open its DevTools port: {stderr}");
                await Task.Delay(50);
            }
            int port = int.Parse(File.ReadAllLines(portFile)[0]);
            using var http = new HttpClient();
            var targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray();
            string pageSocket = targets.First(t => (string?)t!["type"] == "page")!["webSocketDebuggerUrl"]!.GetValue<string>();
            var socket = new ClientWebSocket();
            await socket.ConnectAsync(new Uri(pageSocket), CancellationToken.None);
            return new HeadlessChromium(process, profile, socket);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    /// <summary>Sends one DevTools command and returns its result (events in between are skipped).</summary>
    public async Task<JsonNode> SendAsync(string method, object? parameters = null)
    {
        int id = ++_nextId;
        var message = JsonSerializer.SerializeToUtf8Bytes(new { id, method, @params = parameters ?? new { } });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _socket.SendAsync(message, WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[1 << 16];
        while (true)
        {
            using var frame = new MemoryStream();
            WebSocketReceiveResult received;
            do
            {
                received = await _socket.ReceiveAsync(buffer, timeout.Token);
                frame.Write(buffer, 0, received.Count);
            } while (!received.EndOfMessage);
            var reply = JsonNode.Parse(frame.ToArray())!;
            if ((int?)reply["id"] != id) continue;
            if (reply["error"] is { } error) throw new InvalidOperationException($"{method}: {error.ToJsonString()}");
            return reply["result"]!;
        }
    }

    /// <summary>Evaluates a JavaScript expression in the page and returns its value (as JSON).</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new { expression, returnByValue = true, awaitPromise = true });
        if (result["exceptionDetails"] is { } e) throw new InvalidOperationException($"page script failed: {e.ToJsonString()}");
        return result["result"]!["value"];
    }

    /// <summary>Polls <paramref name="condition"/> (a JavaScript expression) until it is true.</summary>
    public async Task WaitForAsync(string condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while ((await EvaluateAsync($"Boolean({condition})"))?.GetValue<bool>() != true)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) Assert.Fail($"the page never showed {what} (waited for {condition})");
            await Task.Delay(50);
        }
    }

    /// <summary>Clicks the middle of the element with id <paramref name="id"/> with mouse events.</summary>
    public async Task ClickAsync(string id)
    {
        var box = (await EvaluateAsync($"(() => {{ const r = document.getElementById('{id}').getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()"))!.AsArray();
        double x = box[0]!.GetValue<double>(), y = box[1]!.GetValue<double>();
        await SendAsync("Input.dispatchMouseEvent", new { type = "mouseMoved", x, y });
        await SendAsync("Input.dispatchMouseEvent", new { type = "mousePressed", x, y, button = "left", clickCount = 1 });
        await SendAsync("Input.dispatchMouseEvent", new { type = "mouseReleased", x, y, button = "left", clickCount = 1 });
    }

    /// <summary>Replaces the text of the input with id <paramref name="id"/> by typing <paramref name="text"/>.</summary>
    public async Task TypeAsync(string id, string text)
    {
        await ClickAsync(id);
        await EvaluateAsync($"document.getElementById('{id}').select()");
        await SendAsync("Input.insertText", new { text });
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
        _socket.Dispose();
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        try { Directory.Delete(_profile, recursive: true); } catch (IOException) { }
    }
}
