using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MlNetMlm.FillMask;

namespace MlNetMlm.Cli.Serving;

/// <summary>What <c>mlnet-mlm serve</c> was asked for, beyond the model.</summary>
internal sealed record ServeSettings
{
    public IPAddress Host { get; init; } = IPAddress.Loopback;
    public int Port { get; init; } = 8080;
    public string ModelName { get; init; } = "model";
    public long MaxBodyBytes { get; init; } = 1024 * 1024;
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How long a stop waits for requests in flight.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Fill-mask over HTTP on Kestrel, in the shape of Hugging Face's Inference API, with a page to try it:
/// <c>POST /</c> and <c>POST /models/{name}</c> (HF's JSON), <c>GET /health</c>, <c>GET /</c> (the page for a
/// browser, a short description otherwise). Every answer that is not a result is <c>{"error": "…"}</c>.
/// </summary>
internal sealed class FillMaskServer : IAsyncDisposable
{
    // Messages quote the user's text: keep "<mask>" and quotes readable (still valid JSON).
    private static readonly JsonSerializerOptions s_json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly WebApplication _app;
    private long _requests;

    private FillMaskServer(WebApplication app, Uri address) => (_app, Address) = (app, address);

    /// <summary>Where it listens (the real port when 0 was asked for).</summary>
    public Uri Address { get; }

    /// <summary>Requests answered so far.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>
    /// Starts listening. <paramref name="handleSignals"/>: stop on Ctrl-C / SIGTERM (the command); tests stop it themselves.
    /// </summary>
    public static async Task<FillMaskServer> StartAsync(FillMaskService service, ServeSettings settings, TextWriter log, bool handleSignals = false)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders(); // one line per request, written below; errors go to the log too
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = settings.MaxBodyBytes;
            k.AddServerHeader = false;
            k.Listen(settings.Host, settings.Port);
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownTimeout);
        if (!handleSignals) builder.Services.AddSingleton<IHostLifetime, ManualLifetime>();
        else builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.AddRequestTimeouts(o => o.DefaultPolicy = new RequestTimeoutPolicy
        {
            Timeout = settings.RequestTimeout,
            TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
            WriteTimeoutResponse = ctx => WriteError(ctx, StatusCodes.Status504GatewayTimeout,
                $"the request took longer than {settings.RequestTimeout.TotalSeconds:0.###} s (the server's request timeout)."),
        });

        var app = builder.Build();
        log = TextWriter.Synchronized(log);
        FillMaskServer? server = null;
        app.Use(async (ctx, next) =>
        {
            long start = Stopwatch.GetTimestamp();
            try
            {
                await next(ctx);
            }
            finally
            {
                if (server is not null) Interlocked.Increment(ref server._requests);
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{DateTime.UtcNow:HH:mm:ss.fff} {ctx.Request.Method} {ctx.Request.Path} {ctx.Response.StatusCode} {Stopwatch.GetElapsedTime(start).TotalMilliseconds:F1} ms"));
            }
        });
        // 404 and 405 from routing have no body: give them the same JSON error as everything else.
        app.UseStatusCodePages(ctx => ctx.HttpContext.Response.HasStarted ? Task.CompletedTask
            : WriteError(ctx.HttpContext, ctx.HttpContext.Response.StatusCode, ctx.HttpContext.Response.StatusCode == 405
                ? $"{ctx.HttpContext.Request.Method} is not allowed on {ctx.HttpContext.Request.Path}; fill-mask is POST / (or POST /models/NAME)."
                : $"nothing at {ctx.HttpContext.Request.Path}; fill-mask is POST /, the page GET /, health GET /health."));
        app.UseRequestTimeouts();

        var endpoints = new Endpoints(service, settings, log);
        app.MapPost("/", endpoints.FillMask);
        app.MapPost("/models/{**name}", endpoints.FillMask);
        app.MapGet("/", endpoints.Index);
        app.MapGet("/health", endpoints.Health);

        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new FillMaskServer(app, new Uri(bound));
        return server;
    }

    /// <summary>Stops accepting connections, lets requests in flight finish (up to the shutdown timeout).</summary>
    public Task StopAsync() => _app.StopAsync();

    /// <summary>Completes when the server has stopped (Ctrl-C / SIGTERM with signal handling, or <see cref="StopAsync"/>).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    internal static Task WriteError(HttpContext ctx, int status, string message)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        return ctx.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string> { ["error"] = message }, s_json));
    }

    private sealed class Endpoints(FillMaskService service, ServeSettings settings, TextWriter log)
    {
        private static readonly Lazy<byte[]> s_page = new(() =>
        {
            using var stream = typeof(FillMaskServer).Assembly.GetManifestResourceStream("MlNetMlm.Cli.Serving.index.html")!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        });

        public async Task FillMask(HttpContext ctx)
        {
            try
            {
                InferenceRequest request;
                try
                {
                    using var body = await JsonDocument.ParseAsync(ctx.Request.Body, default, ctx.RequestAborted);
                    request = InferenceRequest.Parse(body.RootElement);
                }
                catch (JsonException e)
                {
                    throw new RequestException(400, $"the body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}); expected {{\"inputs\": \"text with <mask>\"}}.");
                }
                catch (BadHttpRequestException e)
                {
                    throw new RequestException(e.StatusCode, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                        ? $"the body is larger than {settings.MaxBodyBytes} bytes (the server's limit)."
                        : $"the request could not be read: {e.Message}");
                }

                var tasks = request.Inputs.Select(text => service.FillMaskAsync(text, request.TopK, request.Targets, ctx.RequestAborted)).ToArray();
                try
                {
                    await Task.WhenAll(tasks);
                }
                catch (ArgumentException)
                {
                    int bad = Array.FindIndex(tasks, t => t.IsFaulted && t.Exception!.InnerException is ArgumentException);
                    var e = (ArgumentException)tasks[bad].Exception!.InnerException!;
                    string message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "");
                    throw new RequestException(400, request.IsList ? $"inputs[{bad}]: {message}" : message);
                }
                var results = tasks.Select(t => t.Result).ToList();
                ctx.Response.ContentType = "application/json; charset=utf-8";
                await ctx.Response.WriteAsync(request.IsList ? FillMaskJson.Serialize(results) : FillMaskJson.Serialize(results[0]), ctx.RequestAborted);
            }
            catch (RequestException e)
            {
                await WriteError(ctx, e.StatusCode, e.Message);
            }
            catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
            {
                throw; // the client left, or the request timed out (the timeout middleware answers 504)
            }
            catch (Exception e) when (!ctx.Response.HasStarted)
            {
                log.WriteLine($"error: {e}");
                await WriteError(ctx, StatusCodes.Status500InternalServerError, $"fill-mask failed: {e.Message}");
            }
        }

        public async Task Index(HttpContext ctx)
        {
            if (ctx.Request.Headers.Accept.Any(a => a is not null && a.Contains("text/html", StringComparison.OrdinalIgnoreCase)))
            {
                ctx.Response.ContentType = "text/html; charset=utf-8";
                await ctx.Response.Body.WriteAsync(s_page.Value, ctx.RequestAborted);
                return;
            }
            ctx.Response.ContentType = "application/json; charset=utf-8";
            await ctx.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["model"] = settings.ModelName,
                ["task"] = "fill-mask",
                ["mask_token"] = service.Model.Tokenizer.MaskToken,
                ["usage"] = "POST / with {\"inputs\": \"text with <mask>\", \"parameters\": {\"top_k\": 5}}",
            }, s_json), ctx.RequestAborted);
        }

        public Task Health(HttpContext ctx)
        {
            ctx.Response.ContentType = "application/json; charset=utf-8";
            return ctx.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, string> { ["status"] = "ok", ["model"] = settings.ModelName }, s_json));
        }
    }

    /// <summary>A host lifetime that ignores console signals (a test or another host decides when to stop).</summary>
    private sealed class ManualLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
