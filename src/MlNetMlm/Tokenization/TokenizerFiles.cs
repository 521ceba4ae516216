namespace MlNetMlm.Tokenization;

/// <summary>
/// The one rule for finding a tokenizer in a folder (a Hugging Face model or tokenizer folder):
/// <c>vocab.json</c> + <c>merges.txt</c> when both are there, otherwise <c>tokenizer.json</c>, otherwise none.
/// Everything that looks for a tokenizer in a folder asks here.
/// </summary>
internal sealed record TokenizerFiles(string? VocabJson, string? MergesTxt, string? TokenizerJson)
{
    public const string VocabFile = "vocab.json";
    public const string MergesFile = "merges.txt";
    public const string TokenizerJsonFile = "tokenizer.json";

    /// <summary>What the rule accepts, for messages.</summary>
    public const string Expected = "vocab.json + merges.txt, or tokenizer.json";

    /// <summary>The tokenizer files of <paramref name="directory"/>, or null when it has neither set.</summary>
    public static TokenizerFiles? Find(string directory)
    {
        string vocab = Path.Combine(directory, VocabFile), merges = Path.Combine(directory, MergesFile), json = Path.Combine(directory, TokenizerJsonFile);
        if (File.Exists(vocab) && File.Exists(merges)) return new TokenizerFiles(vocab, merges, null);
        if (File.Exists(json)) return new TokenizerFiles(null, null, json);
        return null;
    }
}
