using System.CommandLine;
using System.Text.Json;
using Microsoft.ML;
using MlNetMlm.Cli.Shared;
using MlNetMlm.FillMask;
using MlNetMlm.Modeling;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Cli.Commands;

/// <summary>
/// <c>mlnet-mlm fill-mask</c>: the most likely tokens for each <c>&lt;mask&gt;</c>, from a model zip or a
/// Hugging Face folder; <c>--json</c> prints HF pipeline-shaped JSON, one line per text.
/// </summary>
internal static class FillMaskCommand
{
    public static Command Create(CliContext cli)
    {
        var model = new Option<string>("--model") { Description = "Model zip from train/demo, or a Hugging Face model folder.", Required = true };
        var topK = new Option<int>("--top-k") { Description = "Candidates per mask.", DefaultValueFactory = _ => 5 };
        var targets = new Option<string?>("--targets") { Description = "Comma-separated words to score instead of the whole vocabulary (HF's targets; a leading space marks a word start: \" spiral\")." };
        var json = new Option<bool>("--json") { Description = "One JSON line per text, shaped like HF's fill-mask pipeline output." };
        var input = new Option<string?>("--input") { Description = "JSON Lines file of texts: each line a JSON string or an object with a \"text\" field." };
        var device = new Option<string?>("--device") { Description = "cpu, cuda or cuda:N." };
        var bf16 = PrecisionOption.Bf16("Matrix products");
        var texts = new Argument<string[]>("texts") { Description = "Texts with <mask>.", Arity = ArgumentArity.ZeroOrMore };
        topK.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--top-k must be at least 1."); });

        var command = new Command("fill-mask", "Fill in <mask> with a trained model (zip) or a Hugging Face model folder.")
        {
            model, topK, targets, json, input, device, bf16, texts,
        };
        CommandRunner.SetAction(command, cli, p => Run(cli, p.GetValue(model)!, p.GetValue(topK), p.GetValue(targets), p.GetValue(json),
            p.GetValue(input), p.GetValue(device), p.GetValue(texts) ?? [], PrecisionOption.Resolve(cli, p.GetValue(bf16), p.GetValue(device))));
        return command;
    }

    internal static int Run(CliContext cli, string modelPath, int topK, string? targetList, bool json, string? inputFile, string? device, string[] texts, Precision precision = Precision.Float32)
    {
        var all = new List<(string Source, string Text)>();
        if (inputFile is not null) all.AddRange(ReadInput(inputFile));
        all.AddRange(texts.Select((t, i) => ($"text {i + 1}", t)));
        if (all.Count == 0) throw new CliException("no text given: pass texts with <mask> as arguments, or --input FILE.");
        var targets = targetList?.Split(',', StringSplitOptions.RemoveEmptyEntries); // not trimmed: " star" (word start) and "star" are different tokens
        if (targets is { Length: 0 }) throw new CliException("--targets is empty; give comma-separated words, e.g. --targets spiral,elliptical.");

        // Checked before the model loads, so a typo fails at once. Every RoBERTa tokenizer spells the mask <mask>.
        const string mask = RobertaTokenizer.MaskTokenText;
        foreach (var (source, text) in all)
            if (!text.Contains(mask, StringComparison.Ordinal)) throw new CliException($"{source} has no {mask}: \"{text}\"");
        var ml = new MLContext(seed: 0);
        using var model = ModelFiles.Load(ml, modelPath, device);

        if (targets is not null)
            foreach (string warning in model.TargetWarnings(targets)) cli.Error.WriteLine($"fill-mask: warning: {warning}");
        var results = model.FillMask(all.Select(x => x.Text).ToList(), topK, targets, precision);
        for (int i = 0; i < all.Count; i++)
        {
            if (json) cli.Output.WriteLine(FillMaskJson.Serialize(results[i]));
            else
            {
                if (i > 0) cli.Output.WriteLine();
                FillMaskOutput.WriteTable(cli.Output, all[i].Text, results[i]);
            }
        }
        return 0;
    }

    private static IEnumerable<(string Source, string Text)> ReadInput(string path)
    {
        if (!File.Exists(path)) throw new CliException($"--input file '{path}' not found.");
        // Invalid UTF-8 is refused, as train and evaluate refuse it, rather than read as U+FFFD.
        byte[] bytes = File.ReadAllBytes(path);
        var rest = bytes.AsMemory(bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0);
        int lineNumber = 0;
        while (!rest.IsEmpty)
        {
            int end = rest.Span.IndexOf((byte)'\n');
            var raw = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            lineNumber++;
            if (!System.Text.Unicode.Utf8.IsValid(raw.Span))
                throw new CliException($"{path}:{lineNumber}: the line is not valid UTF-8 (is the file in another encoding?).");
            string line = System.Text.Encoding.UTF8.GetString(raw.Span).TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line)) continue;
            string where = $"{path}:{lineNumber}";
            string? text;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                text = root.ValueKind switch
                {
                    JsonValueKind.String => root.GetString(),
                    JsonValueKind.Object when root.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String => t.GetString(),
                    _ => null,
                };
            }
            catch (JsonException e)
            {
                throw new CliException($"{where}: not valid JSON (byte {e.BytePositionInLine + 1}); each line must be a JSON string or an object with a \"text\" field.");
            }
            if (text is null) throw new CliException($"{where}: expected a JSON string or an object with a string \"text\" field.");
            yield return (where, text);
        }
    }
}
