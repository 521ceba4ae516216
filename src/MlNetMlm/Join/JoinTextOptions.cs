namespace MlNetMlm.Join;

/// <summary>Options of <see cref="JoinTextEstimator"/>: join a text-vector column into one string.</summary>
public sealed class JoinTextOptions
{
    /// <summary>The text-vector column to join, e.g. <c>answers.text</c>. Required.</summary>
    public string InputColumnName { get; set; } = "";

    /// <summary>The text column to write. Default: the input column's name (replacing it in the output schema).</summary>
    public string? OutputColumnName { get; set; }

    /// <summary>Put between items. Default: one space, like Python's <c>" ".join(...)</c>.</summary>
    public string Separator { get; set; } = " ";
}
