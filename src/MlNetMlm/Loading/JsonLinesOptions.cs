using MlNetMlm.Json;

namespace MlNetMlm.Loading;

/// <summary>Options of <c>mlContext.Data.LoadFromJsonLines(...)</c>.</summary>
public sealed class JsonLinesOptions
{
    /// <summary>
    /// How many rows (non-blank lines, from the start of the first file on) are read to infer the
    /// columns when <see cref="Columns"/> is not given. Default: 1000. Fields that first appear after
    /// these rows are ignored; give <see cref="Columns"/> if that matters.
    /// </summary>
    public int InferenceRows { get; set; } = 1000;

    /// <summary>
    /// The columns to read, in this order, instead of inferring them. Fields of a line that are not
    /// listed are ignored. With <see cref="Flatten"/>, names are dotted paths (<c>answers.text</c>).
    /// Default: null (infer).
    /// </summary>
    public IReadOnlyList<JsonColumn>? Columns { get; set; }

    /// <summary>
    /// Skip lines that are not valid JSON objects or whose values do not fit the columns, instead of
    /// failing. How many were skipped (and the first few reasons) go to <c>MLContext.Log</c>, at the end
    /// of each pass over the data. Default: false.
    /// </summary>
    public bool SkipBadLines { get; set; }

    /// <summary>Read numbers as <c>Double</c> rather than <c>Single</c> (ML.NET's usual number type). Default: false.</summary>
    public bool UseDouble { get; set; }

    /// <summary>
    /// Split nested objects into dotted columns while loading (<c>answers</c> → <c>answers.text</c>, ...),
    /// as <c>mlContext.Transforms.FlattenJson()</c> does after loading. Default: false (nested objects stay JSON text).
    /// </summary>
    public bool Flatten { get; set; }
}
