using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.ML;
using MlNetMlm.Cli.Serving;
using MlNetMlm.FillMask;
using MlNetMlm.Interop;
using MlNetMlm.Modeling;
using MlNetMlm.Tokenization;
using static TorchSharp.torch;

namespace MlNetMlm.Cli.Commands;

/// <summary>
/// <c>mlnet-mlm bench serve</c>: requests/s and latency of <c>serve</c> (real Kestrel on a loopback port) at several
/// numbers of concurrent clients, with batching on and off, on a random-init model written as a Hugging Face folder;
/// every answer is checked against the model's own answer for that text alone. <c>--memory-requests</c> also sends
/// that many requests and samples the resident set along the way.
/// </summary>
internal static class BenchServeCommand
{
    internal sealed record Settings(string Shape, int[] Clients, int Requests, int Rounds, string[] Batching, int MaxBatch, int BatchWaitMs, int MemoryRequests, int Threads, bool Json);

    public static Command Create(TextWriter output)
    {
        var shape = new Option<string>("--shape") { Description = "Model shape: distilroberta, tiny, or the path of a config.json.", DefaultValueFactory = _ => "distilroberta" };
        var clients = new Option<string>("--clients") { Description = "Comma-separated numbers of concurrent clients.", DefaultValueFactory = _ => "1,4,16" };
        var requests = new Option<int>("--requests") { Description = "Requests per measurement (shared among the clients).", DefaultValueFactory = _ => 160 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds over every (batching, clients) pair, interleaved; requests/s is the median.", DefaultValueFactory = _ => 3 };
        var batching = new Option<string>("--batching") { Description = "on, off, or on,off.", DefaultValueFactory = _ => "on,off" };
        var maxBatch = new Option<int>("--max-batch") { Description = "serve's --max-batch when batching is on.", DefaultValueFactory = _ => 32 };
        var batchWait = new Option<int>("--batch-wait-ms") { Description = "serve's --batch-wait-ms when batching is on.", DefaultValueFactory = _ => 5 };
        var memory = new Option<int>("--memory-requests") { Description = "Then send this many requests from 16 clients and sample RSS (0: skip).", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "TorchSharp intra-op threads (0 = leave as is).", DefaultValueFactory = _ => 2 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        foreach (var o in new[] { requests, rounds, maxBatch })
            o.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError($"{o.Name} must be at least 1."); });
        foreach (var o in new[] { batchWait, memory, threads })
            o.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) r.AddError($"{o.Name} must not be negative."); });
        var command = new Command("serve", "Requests/s and p50/p99 latency of `serve` at 1, 4 and 16 concurrent clients, batching on and off.")
        {
            shape, clients, requests, rounds, batching, maxBatch, batchWait, memory, threads, json,
        };
        command.SetAction(r =>
        {
            var counts = r.GetValue(clients)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(c => int.TryParse(c, out int n) && n > 0 ? n : throw new ArgumentException($"--clients '{c}': expected positive integers such as 1,4,16.")).ToArray();
            var modes = r.GetValue(batching)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (modes.Length == 0 || modes.Any(m => m is not ("on" or "off"))) throw new ArgumentException("--batching: expected on, off or on,off.");
            return Run(output, new Settings(r.GetValue(shape)!, counts, r.GetValue(requests), r.GetValue(rounds), modes, r.GetValue(maxBatch), r.GetValue(batchWait),
                r.GetValue(memory), r.GetValue(threads), r.GetValue(json)));
        });
        return command;
    }

    private static readonly string[] s_sentences =
    [
        "The Milky Way is a <mask> galaxy.",
        "Water boils at a lower temperature on a high <mask>.",
        "The whale rose slowly to the <mask> of the sea, where the light was green and the water warm.",
        "Plants turn sunlight into <mask> through photosynthesis.",
        "Most of the air we breathe is <mask>.",
        "A <mask> year lasts a little more than three hundred and sixty five days, which is why calendars add a day now and then.",
        "The heart pumps <mask> through the body.",
        "Sound travels faster in water than in <mask>.",
    ];

    internal static int Run(TextWriter output, Settings s)
    {
        TorchRuntime.EnsureLoaded();
        int previousThreads = get_num_threads();
        if (s.Threads > 0) set_num_threads(s.Threads);
        string folder = Directory.CreateTempSubdirectory("mlnetmlm-bench-serve-").FullName;
        try
        {
            using var model = new MLContext(seed: 0).MaskedLanguageModeling().LoadFillMask(WriteRandomModel(s.Shape, folder));
            // Each text's answer alone, to check every served answer against.
            var expected = s_sentences.ToDictionary(t => t, t => JsonDocument.Parse(FillMaskJson.Serialize(model.FillMask([t], 5)[0])).RootElement.Clone());
            var rows = MeasureAll(model, s, expected).GetAwaiter().GetResult();
            if (!s.Json)
                foreach (var row in rows) output.WriteLine(string.Join("  ", row.Select(kv => $"{kv.Key} {kv.Value}")));
            var result = new Dictionary<string, object>
            {
                ["impl"] = "mlnetmlm-serve",
                ["shape"] = s.Shape,
                ["threads"] = get_num_threads(),
                ["requests_per_measurement"] = s.Requests,
                ["rounds"] = s.Rounds,
                ["max_batch"] = s.MaxBatch,
                ["batch_wait_ms"] = s.BatchWaitMs,
                ["rows"] = rows,
            };
            foreach (string mode in s.Batching)
            {
                var one = rows.FirstOrDefault(r => (string)r["batching"] == mode && (int)r["clients"] == 1);
                var most = rows.Where(r => (string)r["batching"] == mode).MaxBy(r => (int)r["clients"]);
                if (one is not null && most is not null && !ReferenceEquals(one, most))
                    result[$"speedup_{most["clients"]}_vs_1_batching_{mode}"] = BenchSupport.Round((double)most["requests_per_second"] / (double)one["requests_per_second"], 2);
            }
            if (s.MemoryRequests > 0)
            {
                var memory = Memory(model, Options(s, "on"), s.MemoryRequests, expected).GetAwaiter().GetResult();
                result["memory"] = memory;
                if (!s.Json) output.WriteLine(string.Join("  ", memory.Select(kv => $"{kv.Key} {(kv.Value is long[] a ? string.Join(",", a) : kv.Value)}")));
            }
            result["peak_rss_bytes"] = BenchSupport.PeakRssBytes();
            if (s.Json) output.WriteLine(JsonSerializer.Serialize(result));
            return rows.Sum(r => (int)r["errors"] + (int)r["mismatches"]) == 0 ? 0 : 1;
        }
        finally
        {
            set_num_threads(previousThreads);
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A randomly initialised model of the shape, as a Hugging Face folder (weights and the offline tokenizer) in <paramref name="folder"/>.</summary>
    private static string WriteRandomModel(string shape, string folder) =>
        BenchSupport.WriteRandomModel(BenchSupport.ConfigFor(shape, RobertaTokenizer.Default), RobertaTokenizer.Default, folder);

    private sealed record Outcome(double Milliseconds, bool Error, bool Mismatch);

    private static FillMaskServiceOptions Options(Settings s, string batching) => batching == "on"
        ? new FillMaskServiceOptions { MaxBatchSize = s.MaxBatch, BatchWait = TimeSpan.FromMilliseconds(s.BatchWaitMs) }
        : new FillMaskServiceOptions { MaxBatchSize = 1, BatchWait = TimeSpan.Zero };

    /// <summary>
    /// One server per batching mode, all up at once; rounds interleave the modes and client counts so that a change
    /// in the machine's load falls on all of them alike. Requests/s: the median over rounds; latencies: all rounds pooled.
    /// </summary>
    private static async Task<List<Dictionary<string, object>>> MeasureAll(MaskedLmTransformer model, Settings s, IReadOnlyDictionary<string, JsonElement> expected)
    {
        var services = s.Batching.Select(mode => new FillMaskService(model, Options(s, mode))).ToList();
        var servers = new List<FillMaskServer>();
        var clients = new List<HttpClient>();
        try
        {
            foreach (var service in services)
            {
                var server = await FillMaskServer.StartAsync(service, new ServeSettings { Port = 0 }, TextWriter.Null);
                servers.Add(server);
                clients.Add(new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(120) });
            }
            foreach (var http in clients) await Run(http, 4, 16, expected); // warm up connections and the model
            var samples = new Dictionary<(string, int), List<(double Rps, List<Outcome> Outcomes)>>();
            for (int round = 0; round < s.Rounds; round++)
                foreach (int count in s.Clients)
                    for (int m = 0; m < s.Batching.Length; m++)
                    {
                        var clock = Stopwatch.StartNew();
                        var outcomes = await Run(clients[m], count, s.Requests, expected);
                        double rps = outcomes.Count / clock.Elapsed.TotalSeconds;
                        var key = (s.Batching[m], count);
                        if (!samples.TryGetValue(key, out var list)) samples[key] = list = [];
                        list.Add((rps, outcomes));
                    }
            return s.Batching.SelectMany(mode => s.Clients.Select(count =>
            {
                var list = samples[(mode, count)];
                var all = list.SelectMany(x => x.Outcomes).ToList();
                var latencies = all.Select(o => o.Milliseconds).Order().ToArray();
                return new Dictionary<string, object>
                {
                    ["batching"] = mode,
                    ["clients"] = count,
                    ["requests"] = all.Count,
                    ["requests_per_second"] = BenchSupport.Round(BenchSupport.Median(list.Select(x => x.Rps).ToList()), 1),
                    ["p50_ms"] = BenchSupport.Round(Percentile(latencies, 0.50), 1),
                    ["p99_ms"] = BenchSupport.Round(Percentile(latencies, 0.99), 1),
                    ["errors"] = all.Count(o => o.Error),
                    ["mismatches"] = all.Count(o => o.Mismatch),
                };
            })).ToList();
        }
        finally
        {
            foreach (var http in clients) http.Dispose();
            foreach (var server in servers) await server.DisposeAsync();
            foreach (var service in services) service.Dispose();
        }
    }

    private static async Task<Dictionary<string, object>> Memory(MaskedLmTransformer model, FillMaskServiceOptions options, int requests,
        IReadOnlyDictionary<string, JsonElement> expected)
    {
        using var service = new FillMaskService(model, options);
        await using var server = await FillMaskServer.StartAsync(service, new ServeSettings { Port = 0 }, TextWriter.Null);
        using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(120) };
        const int samples = 10;
        var rss = new List<long>();
        int errors = 0, mismatches = 0;
        for (int i = 0; i < samples; i++)
        {
            var outcomes = await Run(http, 16, requests / samples, expected);
            errors += outcomes.Count(o => o.Error);
            mismatches += outcomes.Count(o => o.Mismatch);
            GC.Collect();
            rss.Add(BenchSupport.RssBytes());
        }
        return new Dictionary<string, object>
        {
            ["requests"] = requests / samples * samples,
            ["rss_mb_after_each_tenth"] = rss.Select(b => b / (1024 * 1024)).ToArray(),
            ["rss_growth_mb_first_to_last_tenth"] = BenchSupport.Round((rss[^1] - rss[0]) / (1024.0 * 1024), 1),
            ["errors"] = errors,
            ["mismatches"] = mismatches,
        };
    }

    /// <summary><paramref name="clients"/> loops share <paramref name="requests"/> requests, each sending its next one when the last is answered.</summary>
    private static async Task<List<Outcome>> Run(HttpClient http, int clients, int requests, IReadOnlyDictionary<string, JsonElement> expected)
    {
        int next = -1;
        var all = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            var mine = new List<Outcome>();
            for (int n = Interlocked.Increment(ref next); n < requests; n = Interlocked.Increment(ref next))
            {
                string text = s_sentences[n % s_sentences.Length];
                long start = Stopwatch.GetTimestamp();
                bool error = false, mismatch = false;
                try
                {
                    using var response = await http.PostAsync("/", new StringContent(JsonSerializer.Serialize(new { inputs = text }), Encoding.UTF8, "application/json"));
                    string body = await response.Content.ReadAsStringAsync();
                    if (!response.IsSuccessStatusCode) error = true;
                    else mismatch = !Same(expected[text], JsonDocument.Parse(body).RootElement);
                }
                catch (HttpRequestException)
                {
                    error = true;
                }
                mine.Add(new Outcome(Stopwatch.GetElapsedTime(start).TotalMilliseconds, error, mismatch));
            }
            return mine;
        })));
        return all.SelectMany(x => x).ToList();
    }

    /// <summary>Same candidates (ids, strings, order) and scores within float rounding of a batched forward (1e-5 relative).</summary>
    private static bool Same(JsonElement want, JsonElement got)
    {
        if (want.GetArrayLength() != got.GetArrayLength()) return false;
        for (int i = 0; i < want.GetArrayLength(); i++)
        {
            var (w, g) = (want[i], got[i]);
            if (w.GetProperty("token").GetInt32() != g.GetProperty("token").GetInt32()
                || w.GetProperty("token_str").GetString() != g.GetProperty("token_str").GetString()
                || w.GetProperty("sequence").GetString() != g.GetProperty("sequence").GetString()) return false;
            double a = w.GetProperty("score").GetDouble(), b = g.GetProperty("score").GetDouble();
            if (Math.Abs(a - b) > 1e-5 * Math.Abs(a)) return false;
        }
        return true;
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
