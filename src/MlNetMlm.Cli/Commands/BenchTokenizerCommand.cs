using System.CommandLine;
using System.Text;
using System.Text.Json;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Cli.Commands;

/// <summary>
/// <c>mlnet-mlm bench tokenizer</c>: RoBERTa tokenizer throughput over a JSON Lines corpus, one thread
/// and in parallel over records, texts read into memory first (as the Rust peer is measured).
/// </summary>
internal static class BenchTokenizerCommand
{
    public static Command Create(TextWriter output)
    {
        var corpus = new Option<string>("--corpus") { Description = "JSON Lines file.", Required = true };
        var field = new Option<string>("--field") { Description = "Dotted path of the text field; an array of strings is joined with one space.", DefaultValueFactory = _ => "text" };
        var tokenizerDir = new Option<string?>("--tokenizer") { Description = "Tokenizer folder; default: the offline default." };
        var threads = new Option<int>("--threads") { Description = "Threads of the parallel measurement.", DefaultValueFactory = _ => 2 };
        var passes = new Option<int>("--passes") { Description = "Measured passes over the corpus per mode (median reported).", DefaultValueFactory = _ => 3 };
        var idsOut = new Option<string?>("--ids-out") { Description = "Write each record's ids (a JSON array per line) here, to compare with the peer." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("tokenizer", "Tokenizer throughput over a corpus: one thread, and parallel over records.")
        {
            corpus, field, tokenizerDir, threads, passes, idsOut, json,
        };
        command.SetAction(r => Run(output, r.GetValue(corpus)!, r.GetValue(field)!, r.GetValue(tokenizerDir), Math.Max(1, r.GetValue(threads)),
            Math.Max(1, r.GetValue(passes)), r.GetValue(idsOut), r.GetValue(json)));
        return command;
    }

    internal static List<string> ReadTexts(string corpus, string field)
    {
        string[] path = field.Split('.');
        var texts = new List<string>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(corpus))
        {
            lineNumber++;
            if (line.Length == 0) continue;
            try
            {
                texts.Add(TokenizeCommand.ExtractText(line, path, field)); // the same field rule as `tokenize --field`
            }
            catch (Exception e) when (e is JsonException or TokenizeCommand.InputLineException)
            {
                throw new InvalidDataException($"{corpus}:{lineNumber}: {e.Message}", e);
            }
        }
        return texts;
    }

    private static int Run(TextWriter output, string corpus, string field, string? tokenizerDir, int threads, int passes, string? idsOut, bool json)
    {
        var tokenizer = tokenizerDir is null ? RobertaTokenizer.Default : RobertaTokenizer.FromDirectory(tokenizerDir);
        var texts = ReadTexts(corpus, field);
        long chars = texts.Sum(t => (long)t.Length);
        long bytes = texts.Sum(t => (long)Encoding.UTF8.GetByteCount(t));
        var ids = new int[texts.Count][];

        // Warm-up (JIT, the BPE cache) on one pass, then the measured passes.
        for (int i = 0; i < texts.Count; i++) ids[i] = tokenizer.EncodeToIds(texts[i]);
        long tokens = ids.Sum(x => (long)x.Length);

        var single = new List<double>();
        for (int p = 0; p < passes; p++)
            single.Add(BenchSupport.Seconds(() =>
            {
                for (int i = 0; i < texts.Count; i++) ids[i] = tokenizer.EncodeToIds(texts[i]);
            }));

        var parallel = new List<double>();
        var po = new ParallelOptions { MaxDegreeOfParallelism = threads };
        // Longest records first, so that one long record does not finish last on its own.
        var order = Enumerable.Range(0, texts.Count).OrderByDescending(i => texts[i].Length).ToArray();
        for (int p = 0; p < passes; p++)
            parallel.Add(BenchSupport.Seconds(() =>
                Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(order, loadBalance: true), po, i => ids[i] = tokenizer.EncodeToIds(texts[i]))));

        if (idsOut is not null)
        {
            MlNetMlm.Files.AtomicFile.Write(idsOut, stream =>
            {
                using var writer = new StreamWriter(stream, leaveOpen: true);
                foreach (var row in ids) writer.WriteLine(JsonSerializer.Serialize(row));
            });
        }

        double s1 = BenchSupport.Median(single), sp = BenchSupport.Median(parallel);
        var result = new Dictionary<string, object>
        {
            ["impl"] = "mlnetmlm",
            ["corpus"] = Path.GetFileName(corpus),
            ["records"] = texts.Count,
            ["chars"] = chars,
            ["utf8_bytes"] = bytes,
            ["tokens"] = tokens,
            ["passes"] = passes,
            ["single_seconds_median"] = BenchSupport.Round(s1, 4),
            ["single_tokens_per_second"] = BenchSupport.Round(tokens / s1, 0),
            ["single_mb_per_second"] = BenchSupport.Round(bytes / s1 / 1e6, 2),
            ["parallel_threads"] = threads,
            ["parallel_seconds_median"] = BenchSupport.Round(sp, 4),
            ["parallel_tokens_per_second"] = BenchSupport.Round(tokens / sp, 0),
            ["parallel_mb_per_second"] = BenchSupport.Round(bytes / sp / 1e6, 2),
        };
        output.WriteLine(json ? JsonSerializer.Serialize(result) : string.Join(Environment.NewLine, result.Select(kv => $"{kv.Key,-28} {kv.Value}")));
        return 0;
    }
}
