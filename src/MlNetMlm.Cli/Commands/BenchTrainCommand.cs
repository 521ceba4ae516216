using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MlNetMlm.Cli.Shared;
using MlNetMlm.Interop;
using MlNetMlm.Modeling;
using MlNetMlm.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMlm.Cli.Commands;

/// <summary>
/// <c>mlnet-mlm bench train</c>: full training steps (forward, loss, backward, clipping, AdamW step,
/// zero_grad — the trainer's own code) on a fixed random batch and HF-initialised random weights;
/// and <c>mlnet-mlm bench matmul</c>: the fp32 matrix-product rate TorchSharp reaches here.
/// </summary>
internal static class BenchTrainCommand
{
    internal sealed record Settings(
        string Shape, int? Layers, int? Hidden, int? Heads, int? Intermediate, int? VocabSize,
        int BatchSize, int SeqLen, int Steps, int Warmup, int Threads, bool SparseHead, bool Matmul, bool Json, double? AttentionDropout = null, Precision Precision = Precision.Float32);

    public static Command Create(TextWriter output)
    {
        var shape = new Option<string>("--shape") { Description = "Base shape: distilroberta, tiny, or the path of a config.json; --layers etc. override it.", DefaultValueFactory = _ => "distilroberta" };
        var layers = new Option<int?>("--layers") { Description = "Transformer layers." };
        var hidden = new Option<int?>("--hidden") { Description = "Hidden size." };
        var heads = new Option<int?>("--heads") { Description = "Attention heads." };
        var intermediate = new Option<int?>("--intermediate") { Description = "Feed-forward size." };
        var vocab = new Option<int?>("--vocab-size") { Description = "Vocabulary size." };
        var batchSize = new Option<int>("--batch-size") { Description = "Sequences per step.", DefaultValueFactory = _ => 8 };
        var seqLen = new Option<int>("--seq-len") { Description = "Tokens per sequence.", DefaultValueFactory = _ => 128 };
        var steps = new Option<int>("--steps") { Description = "Measured steps (after the warm-up).", DefaultValueFactory = _ => 5 };
        var warmup = new Option<int>("--warmup-steps") { Description = "Unmeasured steps first.", DefaultValueFactory = _ => 2 };
        var threads = new Option<int>("--threads") { Description = "TorchSharp intra-op threads (0 = leave as is).", DefaultValueFactory = _ => 2 };
        var sparse = new Option<string>("--sparse-head") { Description = "Vocabulary projection only at labelled positions (on) or everywhere (off).", DefaultValueFactory = _ => "on" };
        sparse.AcceptOnlyFromAmong("on", "off");
        var matmul = new Option<string>("--matmul-peak") { Description = "Also measure the matmul peak of the precision used in this process (on) or not (off).", DefaultValueFactory = _ => "on" };
        matmul.AcceptOnlyFromAmong("on", "off");
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var precision = PrecisionOptionBench();
        var attentionDropout = new Option<double?>("--attention-dropout") { Description = "Override the shape's attention-probability dropout (0.1 for distilroberta), to see what it costs." };
        foreach (var o in new[] { batchSize, seqLen, steps })
            o.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError($"{o.Name} must be at least 1."); });
        foreach (var o in new[] { warmup, threads })
            o.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) r.AddError($"{o.Name} must not be negative."); });
        foreach (var o in new[] { layers, hidden, heads, intermediate, vocab })
            o.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) r.AddError($"{o.Name} must be at least 1."); });

        var command = new Command("train", "Training-step throughput (tokens/s, GFLOP/s, peak RSS) on random data, as the trainer runs it.")
        {
            shape, layers, hidden, heads, intermediate, vocab, batchSize, seqLen, steps, warmup, threads, sparse, matmul, json, attentionDropout, precision,
        };
        command.SetAction(r => Run(output, new Settings(
            r.GetValue(shape)!, r.GetValue(layers), r.GetValue(hidden), r.GetValue(heads), r.GetValue(intermediate), r.GetValue(vocab),
            r.GetValue(batchSize), r.GetValue(seqLen), r.GetValue(steps), r.GetValue(warmup), r.GetValue(threads),
            r.GetValue(sparse) == "on", r.GetValue(matmul) == "on", r.GetValue(json), r.GetValue(attentionDropout), ParsePrecision(r.GetValue(precision)!))));
        return command;
    }

    /// <summary><c>--precision fp32|bf16</c> of the bench commands.</summary>
    internal static Option<string> PrecisionOptionBench()
    {
        var option = new Option<string>("--precision") { Description = "fp32, or bf16 (matrix products in bfloat16 on float32 weights, as train --bf16).", DefaultValueFactory = _ => "fp32" };
        option.AcceptOnlyFromAmong("fp32", "bf16");
        return option;
    }

    internal static Precision ParsePrecision(string name) => name == "bf16" ? Precision.BFloat16 : Precision.Float32;

    private static ScalarType DtypeOf(Precision p) => p == Precision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;

    public static Command CreateMatmul(TextWriter output)
    {
        var threads = new Option<int>("--threads") { Description = "TorchSharp intra-op threads (0 = leave as is).", DefaultValueFactory = _ => 2 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var precision = PrecisionOptionBench();
        var command = new Command("matmul", "fp32 or bf16 matrix-product GFLOP/s that TorchSharp reaches on this machine (the shapes of a distilroberta step).") { threads, json, precision };
        command.SetAction(r =>
        {
            TorchRuntime.EnsureLoaded();
            int previous = get_num_threads();
            if (r.GetValue(threads) > 0) set_num_threads(r.GetValue(threads));
            try
            {
                var p = ParsePrecision(r.GetValue(precision)!);
                var (peak, shapes) = MatmulPeak(DtypeOf(p));
                var result = new Dictionary<string, object> { ["threads"] = get_num_threads(), ["precision"] = r.GetValue(precision)!, ["matmul_peak_gflops"] = peak, ["matmul_gflops_by_shape"] = shapes };
                output.WriteLine(r.GetValue(json) ? JsonSerializer.Serialize(result)
                    : string.Join(Environment.NewLine, shapes.Select(s => $"{s.Key,-28} {s.Value,8:F1} GFLOP/s").Append($"peak {peak:F1} GFLOP/s")));
                return 0;
            }
            finally
            {
                set_num_threads(previous);
            }
        });
        return command;
    }

    internal static RobertaConfig ResolveConfig(Settings s)
    {
        var config = BenchModelCommand.ResolveShape(s.Shape).Clone();
        if (s.Layers is { } l) config.NumHiddenLayers = l;
        if (s.Hidden is { } h) config.HiddenSize = h;
        if (s.Heads is { } n) config.NumAttentionHeads = n;
        if (s.Intermediate is { } i) config.IntermediateSize = i;
        if (s.VocabSize is { } v) config.VocabSize = v;
        if (s.AttentionDropout is { } p) config.AttentionProbsDropoutProb = p;
        config.MaxPositionEmbeddings = Math.Max(config.MaxPositionEmbeddings, s.SeqLen + config.PadTokenId + 1);
        config.Validate();
        return config;
    }

    internal static int Run(TextWriter output, Settings s)
    {
        TorchRuntime.EnsureLoaded();
        RobertaConfig config;
        try
        {
            config = ResolveConfig(s);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            throw new CliException(e.Message);
        }

        int previousThreads = get_num_threads();
        if (s.Threads > 0) set_num_threads(s.Threads);
        try
        {
            long rssBefore = BenchSupport.RssBytes();
            using var model = RobertaForMaskedLM.FromScratch(config, seed: 42);
            model.train();
            // The trainer's own step (MaskedLmTrainingStep), with the trainer's default hyper-parameters.
            var options = new MaskedLmTrainerOptions { Config = config, SparseHead = s.SparseHead, Precision = s.Precision };
            using var trainingStep = new MaskedLmTrainingStep(model, options);
            var parameters = model.parameters().ToList();
            long parameterCount = parameters.Sum(p => p.numel());

            // The matmul peak is taken before and after the steps (the best of both), so that a burst of other work
            // on a shared machine during one of them does not set it.
            var peakBefore = s.Matmul ? MatmulPeak(DtypeOf(s.Precision)) : default;
            var (ids, labels, labelled) = BenchSupport.Batch(config.VocabSize, s.BatchSize, s.SeqLen);
            using var inputIds = tensor(ids, [s.BatchSize, s.SeqLen]);
            using var labelIds = tensor(labels, [s.BatchSize, s.SeqLen]);
            using var attention = ones_like(inputIds);
            long tokens = (long)s.BatchSize * s.SeqLen;
            double flopsPerStep = 3 * BenchSupport.ForwardFlops(config, s.BatchSize, s.SeqLen, s.SparseHead ? labelled : tokens);

            var losses = new List<double>();
            var seconds = new List<double>();
            var phases = new List<double[]>();
            var rssAfterStep = new List<long>();
            for (int step = 0; step < s.Warmup + s.Steps; step++)
            {
                var phase = new double[4];
                double t = BenchSupport.Seconds(() => losses.Add(TrainStep(trainingStep, inputIds, attention, labelIds, options.LearningRate, phase)));
                if (step >= s.Warmup)
                {
                    seconds.Add(t);
                    phases.Add(phase);
                }
                rssAfterStep.Add(BenchSupport.RssBytes());
            }
            long peakRssTraining = BenchSupport.PeakRssBytes();

            double median = BenchSupport.Median(seconds);
            var result = new Dictionary<string, object?>
            {
                ["impl"] = "mlnetmlm-torchsharp",
                ["shape"] = s.Shape,
                ["layers"] = config.NumHiddenLayers,
                ["hidden"] = config.HiddenSize,
                ["heads"] = config.NumAttentionHeads,
                ["intermediate"] = config.IntermediateSize,
                ["attention_dropout"] = config.AttentionProbsDropoutProb,
                ["vocab_size"] = config.VocabSize,
                ["parameters"] = parameterCount,
                ["batch_size"] = s.BatchSize,
                ["seq_len"] = s.SeqLen,
                ["labelled_positions"] = labelled,
                ["sparse_head"] = s.SparseHead,
                ["precision"] = s.Precision == Precision.BFloat16 ? "bf16" : "fp32",
                ["threads"] = get_num_threads(),
                ["omp_wait_policy"] = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"),
                ["warmup_steps"] = s.Warmup,
                ["steps"] = s.Steps,
                ["step_seconds"] = seconds.Select(x => BenchSupport.Round(x, 4)).ToArray(),
                ["step_seconds_median"] = BenchSupport.Round(median, 4),
                ["tokens_per_second"] = BenchSupport.Round(tokens / median, 1),
                // Where a step's time goes: forward + loss, backward, clip + AdamW step + zero_grad.
                ["forward_seconds_median"] = BenchSupport.Round(BenchSupport.Median(phases.Select(p => p[0]).ToList()), 4),
                ["backward_seconds_median"] = BenchSupport.Round(BenchSupport.Median(phases.Select(p => p[1]).ToList()), 4),
                ["optimizer_seconds_median"] = BenchSupport.Round(BenchSupport.Median(phases.Select(p => p[2]).ToList()), 4),
                // CPU time of the process during the optimizer phase: steadier than wall time on a loaded machine.
                ["optimizer_cpu_seconds_median"] = BenchSupport.Round(BenchSupport.Median(phases.Select(p => p[3]).ToList()), 4),
                ["flops_per_step"] = flopsPerStep,
                ["gflops_per_second"] = BenchSupport.Round(flopsPerStep / median / 1e9, 1),
                ["first_loss"] = BenchSupport.Round(losses[0], 4),
                ["last_loss"] = BenchSupport.Round(losses[^1], 4),
                ["peak_rss_bytes"] = peakRssTraining,
                ["rss_before_model_bytes"] = rssBefore,
                ["rss_after_each_step_mib"] = rssAfterStep.Select(b => b / 1048576).ToArray(),
                // Memory must not grow per step: RSS after the last step minus RSS after the first measured step.
                ["rss_growth_over_measured_steps_bytes"] = rssAfterStep[^1] - rssAfterStep[Math.Min(s.Warmup, rssAfterStep.Count - 1)],
            };
            if (s.Precision == Precision.BFloat16)
            {
                // What casting every weight to bfloat16 costs (done once per step in the forward pass; the backward
                // pass casts the weight gradients back): the most that keeping persistent bf16 copies could save.
                using var noGrad = no_grad();
                result["weight_cast_seconds"] = BenchSupport.Round(BenchSupport.Median(Enumerable.Range(0, 3).Select(_ =>
                    BenchSupport.Seconds(() => { foreach (var p in model.parameters()) p.to(ScalarType.BFloat16).Dispose(); })).ToList()), 4);
            }
            if (s.Matmul)
            {
                var (peakAfter, shapesAfter) = MatmulPeak(DtypeOf(s.Precision));
                var shapes = shapesAfter.ToDictionary(kv => kv.Key, kv => Math.Max(kv.Value, peakBefore.ByShape[kv.Key]));
                double peak = shapes.Values.Max();
                result["matmul_peak_gflops"] = peak;
                result["matmul_gflops_by_shape"] = shapes;
                result["flop_utilisation"] = BenchSupport.Round(flopsPerStep / median / 1e9 / peak, 3);
            }
            if (s.Json)
            {
                output.WriteLine(JsonSerializer.Serialize(result));
            }
            else
            {
                var inv = CultureInfo.InvariantCulture;
                output.WriteLine($"model        {config}");
                output.WriteLine($"batch        {s.BatchSize} × {s.SeqLen} tokens, {labelled} labelled, sparse head {(s.SparseHead ? "on" : "off")}, {result["precision"]}, {get_num_threads()} threads");
                output.WriteLine(string.Format(inv, "step         {0:F3} s median of {1} ({2} warm-up)", median, s.Steps, s.Warmup));
                output.WriteLine(string.Format(inv, "throughput   {0:F1} tokens/s, {1:F1} GFLOP/s ({2:E2} FLOPs/step)", tokens / median, flopsPerStep / median / 1e9, flopsPerStep));
                if (s.Matmul) output.WriteLine(string.Format(inv, "matmul peak  {0:F1} GFLOP/s → utilisation {1:P0}", result["matmul_peak_gflops"], result["flop_utilisation"]));
                output.WriteLine(string.Format(inv, "peak RSS     {0:F0} MiB; loss {1:F4} → {2:F4}", peakRssTraining / 1048576.0, losses[0], losses[^1]));
            }
            return 0;
        }
        finally
        {
            set_num_threads(previousThreads);
        }
    }

    /// <summary>One optimizer step exactly as <c>MaskedLmTrainer</c> runs it with one batch per step, and its phase times.</summary>
    private static double TrainStep(MaskedLmTrainingStep step, Tensor inputIds, Tensor attention, Tensor labels, double learningRate, double[] phases)
    {
        using var scope = NewDisposeScope();
        double loss = step.Accumulate(inputIds, attention, labels, batchesInStep: 1) ?? double.NaN;
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        step.Apply(learningRate);
        phases[3] = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var times = step.LastTimes;
        phases[0] = times.Forward.TotalSeconds;
        phases[1] = times.Backward.TotalSeconds;
        phases[2] = times.Optimizer.TotalSeconds;
        return loss;
    }

    /// <summary>Best-of-several GFLOP/s of <c>mm</c> for the products a distilroberta step is made of, and the maximum.</summary>
    internal static (double Peak, Dictionary<string, double> ByShape) MatmulPeak(ScalarType dtype = ScalarType.Float32)
    {
        (string Name, long M, long K, long N)[] shapes =
        [
            ("1024x768 @ 768x3072", 1024, 768, 3072),
            ("1024x3072 @ 3072x768", 1024, 3072, 768),
            ("1024x768 @ 768x768", 1024, 768, 768),
            ("2048x2048 @ 2048x2048", 2048, 2048, 2048),
            ("154x768 @ 768x50265", 154, 768, 50265),
        ];
        var byShape = new Dictionary<string, double>();
        using var noGrad = no_grad();
        var generator = new Generator(7);
        foreach (var (name, m, k, n) in shapes)
        {
            using var scope = NewDisposeScope();
            var a = randn([m, k], generator: generator).to(dtype);
            var b = randn([k, n], generator: generator).to(dtype);
            for (int i = 0; i < 2; i++) mm(a, b).Dispose();
            double best = double.MaxValue;
            for (int i = 0; i < 8; i++)
                best = Math.Min(best, BenchSupport.Seconds(() => mm(a, b).Dispose()));
            byShape[name] = BenchSupport.Round(2.0 * m * k * n / best / 1e9, 1);
        }
        return (byShape.Values.Max(), byShape);
    }
}
