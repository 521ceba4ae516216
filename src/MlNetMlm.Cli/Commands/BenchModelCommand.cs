using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MlNetMlm.Cli.Shared;
using MlNetMlm.Interop;
using MlNetMlm.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMlm.Cli.Commands;

/// <summary>
/// <c>mlnet-mlm bench model</c>: forward and forward+backward throughput of the masked LM on random ids
/// with about 15 % of positions labelled, as in MLM training.
/// </summary>
internal static class BenchModelCommand
{
    /// <summary>The <c>bench</c> parent command: <c>model</c>, <c>train</c>, <c>matmul</c>, <c>fillmask</c>, <c>tokenizer</c>, <c>prep</c>.</summary>
    public static Command Create(TextWriter output)
    {
        var bench = new Command("bench", "Short benchmarks.");
        bench.Subcommands.Add(CreateModel(output));
        bench.Subcommands.Add(BenchTrainCommand.Create(output));
        bench.Subcommands.Add(BenchTrainCommand.CreateMatmul(output));
        bench.Subcommands.Add(BenchFillMaskCommand.Create(output));
        bench.Subcommands.Add(BenchTokenizerCommand.Create(output));
        bench.Subcommands.Add(BenchPrepCommand.Create(output));
        return bench;
    }

    private static Command CreateModel(TextWriter output)
    {
        var shape = new Option<string>("--shape") { Description = "Model shape: distilroberta, tiny, or the path of a config.json.", DefaultValueFactory = _ => "distilroberta" };
        var batchSize = new Option<int>("--batch-size") { Description = "Sequences per step.", DefaultValueFactory = _ => 8 };
        var seqLen = new Option<int>("--seq-len") { Description = "Tokens per sequence.", DefaultValueFactory = _ => 128 };
        var steps = new Option<int>("--steps") { Description = "Measured steps (after the warm-up).", DefaultValueFactory = _ => 3 };
        var warmup = new Option<int>("--warmup") { Description = "Unmeasured steps first.", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "TorchSharp intra-op threads (0 = leave as is).", DefaultValueFactory = _ => 2 };
        var sparse = new Option<string>("--sparse-head") { Description = "Vocabulary projection only at labelled positions (on) or everywhere (off).", DefaultValueFactory = _ => "on" };
        sparse.AcceptOnlyFromAmong("on", "off");
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        foreach (var o in new[] { batchSize, seqLen, steps })
            o.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError($"{o.Name} must be at least 1."); });
        foreach (var o in new[] { warmup, threads })
            o.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) r.AddError($"{o.Name} must not be negative."); });

        var command = new Command("model", "Forward and forward+backward tokens/s of RobertaForMaskedLM on random ids (~15 % labelled).")
        {
            shape, batchSize, seqLen, steps, warmup, threads, sparse, json,
        };
        command.SetAction(r => Run(output, new Settings(
            r.GetValue(shape)!, r.GetValue(batchSize), r.GetValue(seqLen), r.GetValue(steps), r.GetValue(warmup),
            r.GetValue(threads), r.GetValue(sparse) == "on", r.GetValue(json))));
        return command;
    }

    internal sealed record Settings(string Shape, int BatchSize, int SeqLen, int Steps, int Warmup, int Threads, bool SparseHead, bool Json);

    internal static RobertaConfig ResolveShape(string shape) => shape switch
    {
        "distilroberta" => RobertaConfig.DistilRobertaBase(),
        // A few milliseconds per step: for smoke tests of the command itself.
        "tiny" => new RobertaConfig
        {
            VocabSize = 1000, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 64,
            MaxPositionEmbeddings = 130, TypeVocabSize = 1, LayerNormEps = 1e-5,
        },
        _ when File.Exists(shape) => RobertaConfig.Load(shape),
        _ => throw new ArgumentException($"--shape '{shape}': expected distilroberta, tiny or the path of a config.json."),
    };

    internal static int Run(TextWriter output, Settings s)
    {
        TorchRuntime.EnsureLoaded();
        RobertaConfig config;
        try
        {
            config = ResolveShape(s.Shape);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            throw new CliException(e.Message);
        }
        if (s.SeqLen > config.MaxSequenceLength)
        {
            throw new CliException($"--seq-len {s.SeqLen} exceeds what the shape's position table allows ({config.MaxSequenceLength}).");
        }

        int previousThreads = get_num_threads();
        if (s.Threads > 0) set_num_threads(s.Threads);
        try
        {
            using var model = RobertaForMaskedLM.FromScratch(config, seed: 0);
            using var scope = NewDisposeScope();
            var (ids, labels, labelled) = RandomBatch(config, s.BatchSize, s.SeqLen, seed: 0);
            long tokens = (long)s.BatchSize * s.SeqLen;

            // Forward: evaluation-style loss, no autograd graph.
            model.eval();
            double[] forwardSeconds = Time(s, () =>
            {
                using var noGrad = no_grad();
                using var step = NewDisposeScope();
                model.ComputeLoss(ids, null, labels, s.SparseHead).item<float>();
            });

            // Forward + backward: training mode (dropout on), gradients computed and cleared; no optimizer step.
            model.train();
            double[] trainSeconds = Time(s, () =>
            {
                using var step = NewDisposeScope();
                model.zero_grad();
                model.ComputeLoss(ids, null, labels, s.SparseHead).backward();
            });

            var result = new Dictionary<string, object>
            {
                ["shape"] = s.Shape,
                ["layers"] = config.NumHiddenLayers,
                ["hidden"] = config.HiddenSize,
                ["vocab"] = config.VocabSize,
                ["parameters"] = model.parameters().Sum(p => p.numel()),
                ["batch_size"] = s.BatchSize,
                ["seq_len"] = s.SeqLen,
                ["labelled_positions"] = labelled,
                ["threads"] = get_num_threads(),
                ["sparse_head"] = s.SparseHead,
                ["warmup_steps"] = s.Warmup,
                ["steps"] = s.Steps,
                ["forward_ms_per_step"] = Math.Round(forwardSeconds.Average() * 1000, 1),
                ["forward_tokens_per_s"] = Math.Round(tokens / forwardSeconds.Average(), 1),
                ["forward_best_tokens_per_s"] = Math.Round(tokens / forwardSeconds.Min(), 1),
                ["forward_backward_ms_per_step"] = Math.Round(trainSeconds.Average() * 1000, 1),
                ["forward_backward_tokens_per_s"] = Math.Round(tokens / trainSeconds.Average(), 1),
                ["forward_backward_best_tokens_per_s"] = Math.Round(tokens / trainSeconds.Min(), 1),
            };
            if (s.Json)
            {
                output.WriteLine(JsonSerializer.Serialize(result));
            }
            else
            {
                var inv = CultureInfo.InvariantCulture;
                output.WriteLine($"model            {config}");
                output.WriteLine($"batch            {s.BatchSize} × {s.SeqLen} tokens, {labelled} labelled, sparse head {(s.SparseHead ? "on" : "off")}, {get_num_threads()} threads");
                output.WriteLine($"steps            {s.Warmup} warm-up + {s.Steps} measured");
                // The best step is the figure least disturbed by other work on a shared machine.
                output.WriteLine(string.Format(inv, "forward          {0,10:F1} tokens/s mean  ({1:F1} ms/step), best step {2:F1} tokens/s",
                    result["forward_tokens_per_s"], result["forward_ms_per_step"], result["forward_best_tokens_per_s"]));
                output.WriteLine(string.Format(inv, "forward+backward {0,10:F1} tokens/s mean  ({1:F1} ms/step), best step {2:F1} tokens/s",
                    result["forward_backward_tokens_per_s"], result["forward_backward_ms_per_step"], result["forward_backward_best_tokens_per_s"]));
            }
            return 0;
        }
        finally
        {
            set_num_threads(previousThreads);
        }
    }

    /// <summary>Seconds of each measured step (after the warm-up).</summary>
    private static double[] Time(Settings s, Action step)
    {
        for (int i = 0; i < s.Warmup; i++) step();
        var seconds = new double[s.Steps];
        for (int i = 0; i < s.Steps; i++)
        {
            long start = Stopwatch.GetTimestamp();
            step();
            seconds[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return seconds;
    }

    /// <summary>Random ids (specials excluded) and labels at about 15 % of positions, at least one per batch.</summary>
    private static (Tensor Ids, Tensor Labels, long Labelled) RandomBatch(RobertaConfig config, int batch, int seqLen, int seed)
    {
        var rng = new Random(seed);
        var ids = new long[batch * seqLen];
        var labels = new long[batch * seqLen];
        long labelled = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = rng.Next(3, config.VocabSize);
            bool pick = rng.NextDouble() < 0.15 || (i == ids.Length - 1 && labelled == 0);
            labels[i] = pick ? ids[i] : RobertaForMaskedLM.IgnoreIndex;
            if (pick) labelled++;
        }
        return (tensor(ids, batch, seqLen), tensor(labels, batch, seqLen), labelled);
    }
}
