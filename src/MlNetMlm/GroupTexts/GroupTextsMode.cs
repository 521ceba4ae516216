namespace MlNetMlm.GroupTexts;

/// <summary>How <see cref="GroupTextsTransformer"/> turns rows of token ids into fixed-size blocks.</summary>
public enum GroupTextsMode
{
    /// <summary>
    /// Hugging Face's <c>group_texts</c>: concatenate the ids of all rows and cut them into blocks of
    /// <c>BlockSize</c>, dropping the remainder. The number of output rows differs from the input.
    /// </summary>
    Concatenate = 0,

    /// <summary>
    /// <c>run_mlm.py --line_by_line --pad_to_max_length</c>: one block per row, truncated to
    /// <c>BlockSize</c> and padded with <c>PadTokenId</c> (attention mask 0 on padding). Row count unchanged.
    /// </summary>
    LineByLine = 1,
}
