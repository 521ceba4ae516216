using System.CommandLine;
using System.Text.Json;
using Microsoft.ML;
using MlNetMlm.FillMask;
using MlNetMlm.Interop;
using MlNetMlm.Modeling;
using MlNetMlm.Tokenization;
using static TorchSharp.torch;

namespace MlNetMlm.Cli.Commands;

/// <summary>
/// <c>mlnet-mlm bench fillmask</c>: latency of fill-mask for one sentence and throughput for a batch,
/// through the library's fill-mask engine (tokenize, encoder, LM head at the masks, softmax, top-k, decode),
/// on a randomly initialised model of the given shape.
/// </summary>
internal static class BenchFillMaskCommand
{
    public static Command Create(TextWriter output)
    {
        var shape = new Option<string>("--shape") { Description = "Model shape: distilroberta, tiny, or the path of a config.json.", DefaultValueFactory = _ => "distilroberta" };
        var tokenizerDir = new Option<string?>("--tokenizer") { Description = "Tokenizer folder (vocab.json + merges.txt or tokenizer.json); default: the offline default." };
        var corpus = new Option<string?>("--corpus") { Description = "JSON Lines file with a \"text\" field to take sentences from; default: built-in sentences." };
        var batch = new Option<int>("--batch", "--batch-size") { Description = "Sentences in the batch measurement.", DefaultValueFactory = _ => 64 };
        var runs = new Option<int>("--runs") { Description = "Measured runs of each measurement (median reported).", DefaultValueFactory = _ => 5 };
        var threads = new Option<int>("--threads") { Description = "TorchSharp intra-op threads (0 = leave as is).", DefaultValueFactory = _ => 2 };
        var idsOut = new Option<string?>("--ids-out") { Description = "Write the encoded inputs as JSON here, for the PyTorch peer to run the same inputs." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var precision = BenchTrainCommand.PrecisionOptionBench();
        var command = new Command("fillmask", "Fill-mask latency (one sentence) and throughput (a batch) on a random model.")
        {
            shape, tokenizerDir, corpus, batch, runs, threads, idsOut, json, precision,
        };
        command.SetAction(r => Run(output, r.GetValue(shape)!, r.GetValue(tokenizerDir), r.GetValue(corpus), r.GetValue(batch),
            Math.Max(1, r.GetValue(runs)), r.GetValue(threads), r.GetValue(idsOut), r.GetValue(json), BenchTrainCommand.ParsePrecision(r.GetValue(precision)!)));
        return command;
    }

    private static readonly string[] s_builtIn =
    [
        "The Milky Way is a <mask> galaxy.",
        "Water boils at a lower temperature on a high <mask>.",
        "The whale rose slowly to the <mask> of the sea.",
        "Plants turn sunlight into <mask> through photosynthesis.",
    ];

    /// <summary>Sentences of 8–30 words from the corpus's <c>text</c> fields, the fourth word replaced by &lt;mask&gt;.</summary>
    internal static List<string> Sentences(string? corpus, int count)
    {
        var list = new List<string>();
        if (corpus is not null)
        {
            foreach (string line in File.ReadLines(corpus))
            {
                if (line.Length == 0) continue;
                using var doc = JsonDocument.Parse(line);
                if (!doc.RootElement.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String) continue;
                foreach (string raw in text.GetString()!.Split(". "))
                {
                    var words = raw.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                    if (words.Length is < 8 or > 30) continue;
                    words[3] = RobertaTokenizer.MaskTokenText;
                    list.Add(string.Join(' ', words) + ".");
                    if (list.Count == count) return list;
                }
            }
        }
        for (int i = 0; list.Count < count; i++) list.Add(s_builtIn[i % s_builtIn.Length]);
        return list;
    }

    /// <summary>
    /// A fill-mask transformer over HF-initialised random weights, made the way a user makes one (an HF folder
    /// through <c>MaskedLanguageModeling().FillMask</c>), so the bench times the public fill-mask path.
    /// </summary>
    private static MaskedLmTransformer RandomModel(RobertaConfig config, RobertaTokenizer tokenizer, Precision precision)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"mlnet-mlm-bench-{Guid.NewGuid():N}");
        try
        {
            string hf = BenchSupport.WriteRandomModel(config, tokenizer, folder);
            var ml = new MLContext(seed: 1);
            var empty = ml.Data.LoadFromEnumerable(Array.Empty<FillMaskInput>());
            return ml.MaskedLanguageModeling().FillMask(hf, new FillMaskOptions { Precision = precision }, device: "cpu").Fit(empty);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private static int Run(TextWriter output, string shape, string? tokenizerDir, string? corpus, int batchSize, int runs, int threads, string? idsOut, bool json, Precision precision)
    {
        TorchRuntime.EnsureLoaded();
        var tokenizer = tokenizerDir is null ? RobertaTokenizer.Default : RobertaTokenizer.FromDirectory(tokenizerDir);
        var config = BenchSupport.ConfigFor(shape, tokenizer);
        int previousThreads = get_num_threads();
        if (threads > 0) set_num_threads(threads);
        try
        {
            using var engine = RandomModel(config, tokenizer, precision);
            var sentences = Sentences(corpus, batchSize);
            string single = sentences[0];

            engine.FillMask([single]);
            engine.FillMask(sentences);
            var singleSeconds = Enumerable.Range(0, runs * 4).Select(_ => BenchSupport.Seconds(() => engine.FillMask([single]))).ToList();
            var batchSeconds = Enumerable.Range(0, runs).Select(_ => BenchSupport.Seconds(() => engine.FillMask(sentences))).ToList();

            var encoded = sentences.Select(s => tokenizer.EncodeToIds(s)).ToList();
            if (idsOut is not null)
                MlNetMlm.Files.AtomicFile.WriteAllText(idsOut, JsonSerializer.Serialize(new { pad_id = tokenizer.PadId, mask_id = tokenizer.MaskId, single = encoded[0], batch = encoded }));
            double singleMedian = BenchSupport.Median(singleSeconds), batchMedian = BenchSupport.Median(batchSeconds);
            var result = new Dictionary<string, object>
            {
                ["impl"] = "mlnetmlm-torchsharp",
                ["shape"] = shape,
                ["threads"] = get_num_threads(),
                ["precision"] = precision == Precision.BFloat16 ? "bf16" : "fp32",
                ["single_tokens"] = encoded[0].Length,
                ["single_latency_ms_median"] = BenchSupport.Round(singleMedian * 1000, 2),
                ["batch_size"] = sentences.Count,
                ["batch_padded_length"] = encoded.Max(e => e.Length),
                ["batch_seconds_median"] = BenchSupport.Round(batchMedian, 4),
                ["batch_sentences_per_second"] = BenchSupport.Round(sentences.Count / batchMedian, 1),
                ["peak_rss_bytes"] = BenchSupport.PeakRssBytes(),
            };
            output.WriteLine(json ? JsonSerializer.Serialize(result) : string.Join(Environment.NewLine, result.Select(kv => $"{kv.Key,-28} {kv.Value}")));
            return 0;
        }
        finally
        {
            set_num_threads(previousThreads);
        }
    }
}
