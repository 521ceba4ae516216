namespace MlNetMlm.DataView;

/// <summary>Column names shared by MlNetMlm's components as their defaults.</summary>
public static class ColumnNames
{
    /// <summary>
    /// <c>text</c>: the text column that tokenizing, the trained fill-mask transformer, <see cref="FillMask.FillMaskInput"/>
    /// and the command line read by default. Lower case, as in Hugging Face's <c>datasets</c> and
    /// <c>run_mlm.py</c> (<c>text_column_name</c>), and as the other columns (<c>input_ids</c>, <c>labels</c>).
    /// </summary>
    public const string Text = "text";
}
