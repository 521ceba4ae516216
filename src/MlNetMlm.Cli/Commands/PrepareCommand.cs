using System.CommandLine;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.Cli.Shared;
using MlNetMlm.DataView;
using MlNetMlm.GroupTexts;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Cli.Commands;

/// <summary>
/// <c>mlnet-mlm prepare</c>: the preprocessing of 🤗 <c>run_mlm.py</c> (flatten, join with a space, tokenize,
/// group into blocks, drop the remainder) written once as Parquet with the columns its <c>group_texts</c> yields:
/// <c>input_ids</c>, <c>attention_mask</c> and <c>special_tokens_mask</c> (lists of int32), which
/// <c>datasets.load_dataset("parquet", …)</c>, pyarrow and DuckDB read, and <c>train --data</c> trains on as they are.
/// </summary>
internal static class PrepareCommand
{
    public sealed class BlockRow
    {
        [ColumnName(ColumnNames.InputIds), VectorType] public int[] InputIds { get; set; } = [];
        [ColumnName(ColumnNames.AttentionMask), VectorType] public int[] AttentionMask { get; set; } = [];
        [ColumnName(ColumnNames.SpecialTokensMask), VectorType] public int[] SpecialTokensMask { get; set; } = [];
    }

    public static Command Create(CliContext cli)
    {
        var data = new Option<string[]>("--data", "--train-file") { Description = "Input files: .parquet, .json/.json.gz, .jsonl/.jsonl.gz, .csv or .txt.", Required = true, AllowMultipleArgumentsPerToken = true };
        var textColumn = new Option<string?>("--text-column") { Description = "Field or column with the text (dotted path, e.g. answers.text; a list of strings is joined with a space). Default: text." };
        var format = new Option<string?>("--format") { Description = "parquet, json, jsonl, csv or text (default: from the file extension)." };
        format.AcceptOnlyFromAmong(TextData.Formats);
        var tokenizerDir = new Option<string?>("--tokenizer") { Description = "Tokenizer folder (vocab.json + merges.txt, or tokenizer.json). Default: the offline default vocabulary." };
        var blockSize = new Option<int>("--block-size") { Description = "Tokens per block.", DefaultValueFactory = _ => 128 };
        blockSize.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--block-size must be at least 1."); });
        var output = new Option<string>("--output", "-o") { Description = "The Parquet file to write.", Required = true };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace --output if it exists." };
        var command = new Command("prepare", "Tokenize and group texts into blocks once, written as Parquet (input_ids, attention_mask, special_tokens_mask).")
        {
            data, textColumn, format, tokenizerDir, blockSize, output, overwrite,
        };
        CommandRunner.SetAction(command, cli, p => Run(cli, p.GetValue(data)!, p.GetValue(textColumn), p.GetValue(format), p.GetValue(tokenizerDir),
            p.GetValue(blockSize), p.GetValue(output)!, p.GetValue(overwrite)));
        return command;
    }

    internal static int Run(CliContext cli, string[] dataFiles, string? textColumn, string? format, string? tokenizerDir, int blockSize, string output, bool overwrite)
    {
        if (!output.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)) throw new CliException($"--output '{output}' should end in .parquet.");
        if (File.Exists(output) && !overwrite) throw new CliException($"'{output}' exists; give --overwrite to replace it.");
        if (Directory.Exists(output)) throw new CliException($"--output '{output}' is a folder; give a file name.");
        if (tokenizerDir is not null && !Directory.Exists(tokenizerDir)) throw new CliException($"--tokenizer folder '{tokenizerDir}' not found.");
        var tokenizer = tokenizerDir is null ? RobertaTokenizer.Default : RobertaTokenizer.FromDirectory(tokenizerDir);

        var ml = new MLContext(seed: 1);
        var loaded = TextData.Load(ml, dataFiles, format, textColumn);
        if (loaded.PreparedBlocks) throw new CliException($"{loaded.Description} are blocks already; give text (--text-column) to prepare.");
        TextData.Preflight(loaded);
        var chain = new EstimatorChain<ITransformer>();
        if (loaded.ToText is not null) chain = chain.Append<ITransformer>(loaded.ToText);
        var blocks = chain
            .Append<ITransformer>(ml.Transforms.Text.TokenizeRoberta(ColumnNames.InputIds, TextData.Column, tokenizer))
            .Append<ITransformer>(ml.Transforms.GroupTexts(new GroupTextsOptions { BlockSize = blockSize, Mode = GroupTextsMode.Concatenate }))
            .Fit(loaded.Data).Transform(loaded.Data);

        using (var first = blocks.GetRowCursor([]))
            if (!first.MoveNext())
                throw new CliException($"{loaded.Description} gives no block of {blockSize} tokens (the text is shorter, and group_texts drops the remainder); nothing written.");
        var special = new HashSet<int>(Masking.MaskTokensOptions.ForTokenizer(tokenizer).SpecialTokenIds);
        var rows = ml.Data.LoadFromEnumerable(Rows(blocks, special));
        cli.Output.WriteLine($"Preparing {loaded.Description}: blocks of {blockSize} tokens -> {output}");
        var started = System.Diagnostics.Stopwatch.StartNew();
        long written = ml.Data.SaveAsParquet(rows, output, new Progress(cli.Output, started));
        cli.Output.WriteLine($"Wrote {written} blocks ({written * blockSize} tokens) to {output} in {started.Elapsed.TotalSeconds:F1} s.");
        return 0;
    }

    // Streamed: the cursor is read as the Parquet writer asks for rows.
    private static IEnumerable<BlockRow> Rows(IDataView blocks, HashSet<int> special)
    {
        using var cursor = blocks.GetRowCursor(blocks.Schema);
        var ids = cursor.GetGetter<VBuffer<int>>(blocks.Schema[ColumnNames.InputIds]);
        var mask = cursor.GetGetter<VBuffer<int>>(blocks.Schema[ColumnNames.AttentionMask]);
        VBuffer<int> idsValue = default, maskValue = default;
        while (cursor.MoveNext())
        {
            ids(ref idsValue);
            mask(ref maskValue);
            var row = new BlockRow { InputIds = idsValue.DenseValues().ToArray(), AttentionMask = maskValue.DenseValues().ToArray() };
            row.SpecialTokensMask = row.InputIds.Select(id => special.Contains(id) ? 1 : 0).ToArray();
            yield return row;
        }
    }

    /// <summary>Progress lines after each row group (synchronous: Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class Progress(TextWriter output, System.Diagnostics.Stopwatch started) : IProgress<long>
    {
        public void Report(long value) => output.WriteLine($"  {value} blocks written ({started.Elapsed.TotalSeconds:F1} s)");
    }
}
