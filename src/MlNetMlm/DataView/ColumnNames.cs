namespace MlNetMlm.DataView;

/// <summary>
/// Column names shared by MlNetMlm's components as their defaults. They are Hugging Face's (<c>datasets</c>,
/// <c>run_mlm.py</c>, <c>DataCollatorForLanguageModeling</c>), so data prepared here reads there and back.
/// </summary>
public static class ColumnNames
{
    /// <summary>
    /// <c>text</c>: the text column that tokenizing, the trained fill-mask transformer, <see cref="FillMask.FillMaskInput"/>
    /// and the command line read by default. Lower case, as in Hugging Face's <c>datasets</c> and
    /// <c>run_mlm.py</c> (<c>text_column_name</c>), and as the other columns here.
    /// </summary>
    public const string Text = "text";

    /// <summary><c>input_ids</c>: token ids (a vector of Int32), written by tokenizing, cut into blocks by grouping, masked by masking.</summary>
    public const string InputIds = "input_ids";

    /// <summary><c>attention_mask</c>: 1 for a real token, 0 for padding, beside the blocks.</summary>
    public const string AttentionMask = "attention_mask";

    /// <summary><c>special_tokens_mask</c>: 1 where a block holds a special token (<c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>, ...), as 🤗 tokenizers write it.</summary>
    public const string SpecialTokensMask = "special_tokens_mask";

    /// <summary><c>labels</c>: the id to predict at each masked position, -100 elsewhere.</summary>
    public const string Labels = "labels";
}
