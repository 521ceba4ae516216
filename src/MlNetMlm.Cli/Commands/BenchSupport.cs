using System.Diagnostics;
using MlNetMlm.Modeling;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Cli.Commands;

/// <summary>Measurement helpers shared by the <c>bench</c> subcommands (and mirrored by the peer scripts in <c>bench/</c>).</summary>
internal static class BenchSupport
{
    /// <summary>
    /// A bench shape's config with room for <paramref name="tokenizer"/>'s ids and its padding id; the shape's own
    /// vocabulary size is kept when larger, so the head's work matches the real model's.
    /// </summary>
    public static RobertaConfig ConfigFor(string shape, RobertaTokenizer tokenizer)
    {
        var config = BenchModelCommand.ResolveShape(shape).Clone();
        config.VocabSize = Math.Max(config.VocabSize, tokenizer.VocabularySize);
        config.PadTokenId = tokenizer.PadId;
        return config;
    }

    /// <summary>
    /// Writes a randomly initialised model (seed 42) with <paramref name="tokenizer"/>'s files as a Hugging Face
    /// folder <c>model/</c> inside <paramref name="folder"/>, for the benches that load models the way a user does.
    /// </summary>
    public static string WriteRandomModel(RobertaConfig config, RobertaTokenizer tokenizer, string folder)
    {
        string tokenizerFiles = Path.Combine(folder, "tokenizer");
        tokenizer.Export(tokenizerFiles);
        string hf = Path.Combine(folder, "model");
        using (var model = RobertaForMaskedLM.FromScratch(config, seed: 42))
            model.SavePretrained(hf, new CheckpointSaveOptions { TokenizerDirectory = tokenizerFiles });
        return hf;
    }

    /// <summary>Peak resident set size of this process so far (Linux <c>VmHWM</c>); 0 where /proc is not available.</summary>
    public static long PeakRssBytes() => ReadStatusKilobytes("VmHWM:") * 1024;

    /// <summary>Current resident set size (Linux <c>VmRSS</c>); 0 where /proc is not available.</summary>
    public static long RssBytes() => ReadStatusKilobytes("VmRSS:") * 1024;

    private static long ReadStatusKilobytes(string key)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return 0;
        foreach (string line in File.ReadLines(path))
        {
            if (!line.StartsWith(key, StringComparison.Ordinal)) continue;
            var digits = line[key.Length..].Trim().Split(' ')[0];
            return long.TryParse(digits, out long kb) ? kb : 0;
        }
        return 0;
    }

    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.OrderBy(v => v).ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    public static double Seconds(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>
    /// The benchmark batch, defined by integer arithmetic so that <c>bench/peers/torch_bench.py</c> builds
    /// exactly the same one: id of flat position i = 3 + (i·2654435761 + 12345) mod (V − 3) (no special ids),
    /// and position i is labelled (label = its id) when (i·7919 + 17) mod 100 &lt; 15, i.e. 15 % of positions.
    /// </summary>
    public static (long[] Ids, long[] Labels, long Labelled) Batch(int vocabSize, int batch, int seqLen)
    {
        int n = batch * seqLen;
        var ids = new long[n];
        var labels = new long[n];
        long labelled = 0;
        for (long i = 0; i < n; i++)
        {
            ids[i] = 3 + (i * 2654435761L + 12345) % (vocabSize - 3);
            bool pick = (i * 7919 + 17) % 100 < 15;
            labels[i] = pick ? ids[i] : RobertaForMaskedLM.IgnoreIndex;
            if (pick) labelled++;
        }
        return (ids, labels, labelled);
    }

    /// <summary>
    /// Multiply-add FLOPs (2 per multiply-add) of one forward pass: the encoder at every position plus the LM head
    /// at <paramref name="headPositions"/> positions. Counts the matrix products only (Q, K, V, output,
    /// FFN, attention scores and context, LM-head dense and decoder); element-wise work is a few per cent.
    /// A training step's backward costs twice the forward, so a step is 3× this.
    /// </summary>
    public static double ForwardFlops(RobertaConfig c, int batch, int seqLen, long headPositions)
    {
        double tokens = (double)batch * seqLen;
        double h = c.HiddenSize, i = c.IntermediateSize, v = c.VocabSize, t = seqLen;
        double perTokenPerLayer = 2 * (4 * h * h) + 2 * (2 * h * i) + 2 * (2 * t * h);
        double encoder = c.NumHiddenLayers * tokens * perTokenPerLayer;
        double head = headPositions * (2 * h * h + 2 * h * v);
        return encoder + head;
    }

    public static double Round(double value, int digits) => Math.Round(value, digits, MidpointRounding.AwayFromZero);
}
