using System.Text.Json;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Tests.Tokenization;

/// <summary>
/// The independent reference: Hugging Face's own ids (Rust tokenizers, roberta-base) under
/// ../shared/data/tokenizer-reference, with the texts they were made from.
/// </summary>
internal static class ReferenceData
{
    private static readonly Lazy<RobertaTokenizer> s_fromVocabAndMerges = new(() =>
    {
        // Each file is required by name, so a skip names the one that is missing.
        return RobertaTokenizer.FromFiles(RepoPaths.RequireShared("roberta-base", "vocab.json"), RepoPaths.RequireShared("roberta-base", "merges.txt"));
    });

    private static readonly Lazy<RobertaTokenizer> s_fromTokenizerJson = new(() =>
        RobertaTokenizer.FromTokenizerJson(RepoPaths.RequireShared("roberta-base", "tokenizer.json")));

    /// <summary>roberta-base from vocab.json + merges.txt (skips when the shared folder is absent).</summary>
    public static RobertaTokenizer RobertaBaseFromVocabAndMerges => s_fromVocabAndMerges.Value;

    /// <summary>roberta-base from tokenizer.json alone.</summary>
    public static RobertaTokenizer RobertaBaseFromTokenizerJson => s_fromTokenizerJson.Value;

    public static RobertaTokenizer RobertaBase(string fileKind) => fileKind switch
    {
        "vocab+merges" => RobertaBaseFromVocabAndMerges,
        "tokenizer.json" => RobertaBaseFromTokenizerJson,
        _ => throw new ArgumentOutOfRangeException(nameof(fileKind)),
    };

    public static IReadOnlyList<int[]> ReadIds(string name) =>
        File.ReadLines(RepoPaths.RequireShared("tokenizer-reference", name))
            .Select(line => JsonSerializer.Deserialize<int[]>(line)!)
            .ToList();

    /// <summary>Text of each line of a JSONL file: the field at a dotted path; an array of strings is joined with one space.</summary>
    public static IReadOnlyList<string> ReadTexts(string[] relativePath, string field) =>
        File.ReadLines(RepoPaths.RequireShared(relativePath))
            .Select(line =>
            {
                using var doc = JsonDocument.Parse(line);
                var element = doc.RootElement;
                foreach (string part in field.Split('.')) element = element.GetProperty(part);
                return element.ValueKind == JsonValueKind.Array
                    ? string.Join(" ", element.EnumerateArray().Select(e => e.GetString()))
                    : element.GetString()!;
            })
            .ToList();

    public static IReadOnlyList<string> MobyDick => s_moby.Value;
    public static IReadOnlyList<string> SotuJoined => s_sotu.Value;
    public static IReadOnlyList<string> EdgeCases => s_edge.Value;

    private static readonly Lazy<IReadOnlyList<string>> s_moby = new(() => ReadTexts(["corpora", "moby-dick.jsonl"], "text"));
    private static readonly Lazy<IReadOnlyList<string>> s_sotu = new(() => ReadTexts(["corpora", "sotu-eli5-shaped.jsonl"], "answers.text"));
    private static readonly Lazy<IReadOnlyList<string>> s_edge = new(() => ReadTexts(["tokenizer-reference", "edge-cases.jsonl"], "text"));
}
