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

    /// <summary>
    /// Also read records that are a bare JSON string (a line <c>"The sun is a &lt;mask&gt;."</c>, or such an element
    /// of a JSON array) rather than an object: each is a row whose column of this name (a text column; with
    /// <see cref="Flatten"/> a dotted path) holds the string, its other columns missing. One file may mix both
    /// kinds of record; errors still name file, line and column. With <see cref="Columns"/> given, this must be
    /// one of them, of kind <see cref="JsonColumnKind.Text"/>. Default: null (every record must be an object).
    /// </summary>
    public string? BareStringColumn { get; set; }
}
