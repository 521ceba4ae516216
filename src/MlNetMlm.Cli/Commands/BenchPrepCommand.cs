using System.CommandLine;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.Flatten;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Cli.Commands;

/// <summary>
/// <c>mlnet-mlm bench prep</c>: the data preparation of an MLM run end to end as one ML.NET pipeline —
/// LoadFromJsonLines → FlattenJson → JoinText → TokenizeRoberta → GroupTexts — drained through one cursor;
/// time, blocks and peak RSS. Run it on a corpus and on the corpus repeated to see that memory stays flat.
/// </summary>
internal static class BenchPrepCommand
{
    public static Command Create(TextWriter output)
    {
        var data = new Option<string>("--data") { Description = "ELI5-shaped JSON Lines file (answers.text is the text).", Required = true };
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
        var times = new List<double>();
        for (int pass = 0; pass < passes; pass++)
        {
            blocks = tokens = 0;
            times.Add(BenchSupport.Seconds(Pass));
        }
        double seconds = passes > 1 ? BenchSupport.Median(times.Skip(1).ToList()) : times[0];

        void Pass()
        {
            var ml = new MLContext(seed: 1);
            var raw = ml.Data.LoadFromJsonLines(data);
            var pipeline = ml.Transforms.FlattenJson(FlattenJsonOptions.Eli5())
                .Append(ml.Transforms.Text.JoinText(field))
                .Append(ml.Transforms.Text.TokenizeRoberta("input_ids", field, tokenizer))
                .Append(ml.Transforms.GroupTexts("input_ids", blockSize: blockSize));
            var prepared = pipeline.Fit(raw).Transform(raw);
            var column = prepared.Schema["input_ids"];
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
            ["chars_per_second"] = BenchSupport.Round(new FileInfo(data).Length / seconds, 0),
            ["tokens_per_second"] = BenchSupport.Round(tokens / seconds, 0),
            ["rss_at_start_bytes"] = rssStart,
            ["peak_rss_bytes"] = BenchSupport.PeakRssBytes(),
        };
        output.WriteLine(json ? JsonSerializer.Serialize(result) : string.Join(Environment.NewLine, result.Select(kv => $"{kv.Key,-20} {kv.Value}")));
        return 0;
    }
}
