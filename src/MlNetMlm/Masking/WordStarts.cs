namespace MlNetMlm.Masking;

/// <summary>Builds the word-start table that whole-word masking needs.</summary>
public static class WordStarts
{
    /// <summary>The byte-level BPE marker of a leading space (U+0120, 'Ġ').</summary>
    public const char ByteLevelSpace = '\u0120';

    /// <summary>
    /// From a byte-level BPE vocabulary (token string → id, as in <c>vocab.json</c>): a token starts a
    /// word when its string starts with 'Ġ' (it carried a leading space). Ids absent from the vocabulary
    /// are not word starts.
    /// </summary>
    public static bool[] FromByteLevelVocabulary(IEnumerable<KeyValuePair<string, int>> vocabulary, int vocabularySize)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 1);
        var table = new bool[vocabularySize];
        foreach (var (token, id) in vocabulary)
        {
            if ((uint)id >= (uint)vocabularySize)
                throw new ArgumentOutOfRangeException(nameof(vocabulary), $"Token '{token}' has id {id}, outside [0, {vocabularySize}).");
            table[id] = token.Length > 0 && token[0] == ByteLevelSpace;
        }
        return table;
    }
}
