using System.CommandLine;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.DataView;
using MlNetMlm.Flatten;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Cli.Commands;

/// <summary>
/// <c>mlnet-mlm bench prep</c>: the data preparation of an MLM run end to end as one ML.NET pipeline —
/// LoadFromJsonLines → FlattenJson (or LoadFromParquet with Flatten for a .parquet file) → JoinText → TokenizeRoberta
/// → GroupTexts — drained through one cursor; time, blocks and peak RSS, and the loader alone (reading the text
/// column). Run it on a corpus and on the corpus repeated to see that memory stays flat.
/// </summary>
internal static class BenchPrepCommand
{
    public static Command Create(TextWriter output)
    {
        var data = new Option<string>("--data") { Description = "ELI5-shaped JSON Lines or Parquet file (answers.text is the text).", Required = true };
        var field = new Option<string>("--field") { Description = "Text column after flattening.", DefaultValueFactory = _ => "answers.text" };
        var tokenizerDir = new Option<string?>("--tokenizer") { Description = "Tokenizer folder; default: the offline default." };
        var blockSize = new Option<int>("--block-size") { Description = "GroupTexts block size.", DefaultValueFactory = _ => 128 };
        var passes = new Option<int>("--passes") { Description = "Passes over the data: the first is cold (JIT), the others are warm (median reported).", DefaultValueFactory = _ => 2 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("prep", "Load → flatten → join → tokenize → group, end to end: time and peak RSS.") { data, field, tokenizerDir, blockSize, passes, json };
        command.SetAction(r => Run(output, r.GetValue(data)!, r.GetValue(field)!, r.GetValue(tokenizerDir), r.GetValue(blockSize), Math.Max(1, r.GetValue(passes)), r.GetValue(json)));
        return command;
    }

    private static int Run(TextWriter output, string data, string field, string? tokenizerDir, int blockSize, int passes, bool json)
    {
        var tokenizer = tokenizerDir is null ? RobertaTokenizer.Default : RobertaTokenizer.FromDirectory(tokenizerDir);
        long rssStart = BenchSupport.RssBytes();
        long blocks = 0, tokens = 0;
        bool parquet = Loading.DataFormats.Of(data) == Loading.DataFormat.Parquet;
        var times = new List<double>();
        var reads = new List<double>();
        long texts = 0;
        for (int pass = 0; pass < passes; pass++)
        {
            blocks = tokens = texts = 0;
            times.Add(BenchSupport.Seconds(Pass));
            reads.Add(BenchSupport.Seconds(Read));
        }
        double seconds = passes > 1 ? BenchSupport.Median(times.Skip(1).ToList()) : times[0];
        double readSeconds = passes > 1 ? BenchSupport.Median(reads.Skip(1).ToList()) : reads[0];

        // The loader and flattening only: every answers.text value of every row.
        IDataView Flattened(MLContext ml)
        {
            if (parquet) return ml.Data.LoadFromParquet(data, new Loading.ParquetOptions { Flatten = true });
            var raw = ml.Data.LoadFromJsonLines(data);
            return ml.Transforms.FlattenJson(FlattenJsonOptions.Eli5()).Fit(raw).Transform(raw);
        }

        void Read()
        {
            var flat = Flattened(new MLContext(seed: 1));
            var column = flat.Schema[field];
            using var cursor = flat.GetRowCursor([column]);
            var getter = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(column);
            VBuffer<ReadOnlyMemory<char>> value = default;
            while (cursor.MoveNext())
            {
                getter(ref value);
                foreach (var text in value.DenseValues()) texts += text.Length;
            }
        }

        void Pass()
        {
            var ml = new MLContext(seed: 1);
            var raw = Flattened(ml);
            var pipeline = ml.Transforms.Text.JoinText(field)
                .Append(ml.Transforms.Text.TokenizeRoberta(ColumnNames.InputIds, field, tokenizer))
                .Append(ml.Transforms.GroupTexts(ColumnNames.InputIds, blockSize: blockSize));
            var prepared = pipeline.Fit(raw).Transform(raw);
            var column = prepared.Schema[ColumnNames.InputIds];
            using var cursor = prepared.GetRowCursor([column]);
            var getter = cursor.GetGetter<VBuffer<int>>(column);
            VBuffer<int> ids = default;
            while (cursor.MoveNext())
            {
                getter(ref ids);
                blocks++;
                tokens += ids.Length;
            }
        }
        var result = new Dictionary<string, object>
        {
            ["impl"] = "mlnetmlm",
            ["data"] = Path.GetFileName(data),
            ["file_bytes"] = new FileInfo(data).Length,
            ["block_size"] = blockSize,
            ["blocks"] = blocks,
            ["tokens"] = tokens,
            ["cold_seconds"] = BenchSupport.Round(times[0], 3),
            ["seconds"] = BenchSupport.Round(seconds, 3),
            ["format"] = parquet ? "parquet" : "jsonl",
            ["chars_per_second"] = BenchSupport.Round(new FileInfo(data).Length / seconds, 0),
            ["read_seconds"] = BenchSupport.Round(readSeconds, 3),
            ["text_chars"] = texts,
            ["read_text_chars_per_second"] = BenchSupport.Round(texts / readSeconds, 0),
            ["tokens_per_second"] = BenchSupport.Round(tokens / seconds, 0),
            ["rss_at_start_bytes"] = rssStart,
            ["peak_rss_bytes"] = BenchSupport.PeakRssBytes(),
        };
        output.WriteLine(json ? JsonSerializer.Serialize(result) : string.Join(Environment.NewLine, result.Select(kv => $"{kv.Key,-20} {kv.Value}")));
        return 0;
    }
}
