using System.CommandLine;
using System.Net;
using Microsoft.ML;
using MlNetMlm.Cli.Serving;
using MlNetMlm.Cli.Shared;
using MlNetMlm.FillMask;

namespace MlNetMlm.Cli.Commands;

/// <summary>
/// <c>mlnet-mlm serve</c>: fill-mask over HTTP in the shape of Hugging Face's Inference API (so
/// <c>huggingface_hub.InferenceClient(model="http://host:port").fill_mask(text)</c> works), micro-batched,
/// with a page for a browser. Listens on loopback unless <c>--host</c> says otherwise; Ctrl-C or SIGTERM
/// stops it after the requests in flight.
/// </summary>
internal static class ServeCommand
{
    public static Command Create(CliContext cli)
    {
        var model = new Option<string>("--model") { Description = "Model zip from train/demo, or a Hugging Face model folder.", Required = true };
        var host = new Option<string>("--host") { Description = "Address to listen on: 127.0.0.1 (loopback only), ::1, 0.0.0.0 (every interface) or one address.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "TCP port (0: any free one; the address is printed).", DefaultValueFactory = _ => 8080 };
        var topK = new Option<int>("--top-k") { Description = "Candidates per mask when a request gives no top_k.", DefaultValueFactory = _ => 5 };
        var maxBatch = new Option<int>("--max-batch") { Description = "Most texts in one batched forward (1: no batching).", DefaultValueFactory = _ => 32 };
        var batchWait = new Option<int>("--batch-wait-ms") { Description = "How long a text waits for others to join its batch.", DefaultValueFactory = _ => 5 };
        var timeout = new Option<int>("--request-timeout") { Description = "Seconds a request may take before it is answered 504.", DefaultValueFactory = _ => 30 };
        var maxBody = new Option<int>("--max-body-kb") { Description = "Largest request body in KiB (larger: 413).", DefaultValueFactory = _ => 1024 };
        var device = new Option<string?>("--device") { Description = "cpu, cuda or cuda:N (for a Hugging Face folder)." };
        var bf16 = PrecisionOption.Bf16("Matrix products");
        topK.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--top-k must be at least 1."); });
        maxBatch.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--max-batch must be at least 1."); });
        batchWait.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) r.AddError("--batch-wait-ms must not be negative."); });
        timeout.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--request-timeout must be at least 1 second."); });
        maxBody.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--max-body-kb must be at least 1."); });
        port.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 0 or > 65535) r.AddError("--port must be between 0 and 65535."); });

        var command = new Command("serve", "Serve fill-mask over HTTP (Hugging Face Inference API JSON) with a page to try it in a browser.")
        {
            model, host, port, topK, maxBatch, batchWait, timeout, maxBody, device, bf16,
        };
        CommandRunner.SetAction(command, cli, p =>
        {
            var settings = new ServeSettings
            {
                Host = ParseHost(p.GetValue(host)!),
                Port = p.GetValue(port),
                RequestTimeout = TimeSpan.FromSeconds(p.GetValue(timeout)),
                MaxBodyBytes = p.GetValue(maxBody) * 1024L,
                ModelName = ModelName(p.GetValue(model)!),
            };
            var options = new FillMaskServiceOptions
            {
                TopK = p.GetValue(topK),
                MaxBatchSize = p.GetValue(maxBatch),
                BatchWait = TimeSpan.FromMilliseconds(p.GetValue(batchWait)),
                Precision = PrecisionOption.Resolve(cli, p.GetValue(bf16), p.GetValue(device)),
            };
            return Run(cli, p.GetValue(model)!, p.GetValue(device), options, settings);
        });
        return command;
    }

    internal static int Run(CliContext cli, string modelPath, string? device, FillMaskServiceOptions options, ServeSettings settings)
    {
        using var model = ModelFiles.Load(new MLContext(seed: 0), modelPath, device);
        using var service = new FillMaskService(model, options);
        FillMaskServer server;
        try
        {
            server = FillMaskServer.StartAsync(service, settings, cli.Output, handleSignals: true).GetAwaiter().GetResult();
        }
        catch (IOException e)
        {
            throw new CliException($"cannot listen on {settings.Host}:{settings.Port}: {e.Message}");
        }
        string precision = options.Precision == Modeling.Precision.BFloat16 ? " in bf16" : "";
        cli.Output.WriteLine($"serving {settings.ModelName}{precision} on {server.Address} (POST / with {{\"inputs\": \"… <mask> …\"}}; open it in a browser to try; Ctrl-C stops)");
        if (!IPAddress.IsLoopback(settings.Host))
            cli.Output.WriteLine($"note: --host {settings.Host} accepts connections from other machines; there is no authentication.");
        server.WaitForShutdownAsync().GetAwaiter().GetResult();
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        cli.Output.WriteLine($"stopped after {server.Requests} requests.");
        return 0;
    }

    internal static IPAddress ParseHost(string host)
    {
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return IPAddress.Loopback;
        return IPAddress.TryParse(host, out var address) ? address
            : throw new CliException($"--host '{host}' is not an IP address; give 127.0.0.1 (default), ::1, 0.0.0.0 or one of this machine's addresses.");
    }

    /// <summary>The name reported by <c>/health</c> and the page: the folder's or zip's name.</summary>
    internal static string ModelName(string modelPath)
    {
        string trimmed = Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelPath));
        return Directory.Exists(trimmed) ? Path.GetFileName(trimmed) : Path.GetFileNameWithoutExtension(trimmed);
    }
}
