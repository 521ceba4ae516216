using MlNetMlm.Json;

namespace MlNetMlm.Loading;

/// <summary>Options of <c>mlContext.Data.LoadFromParquet(...)</c>.</summary>
public sealed class ParquetOptions
{
    /// <summary>
    /// The columns to read, in this order, instead of all the file's columns. A column's kind must be the one
    /// its Parquet type maps to (see <see cref="JsonColumnKind"/>), or <see cref="JsonColumnKind.Json"/> for its
    /// value as JSON text. With <see cref="Flatten"/>, names of struct fields are dotted paths (<c>answers.text</c>).
    /// Default: null (every column of the first file).
    /// </summary>
    public IReadOnlyList<JsonColumn>? Columns { get; set; }

    /// <summary>Read numbers as <c>Double</c> rather than <c>Single</c> (ML.NET's usual number type). Default: false.</summary>
    public bool UseDouble { get; set; }

    /// <summary>
    /// Split struct columns into dotted columns while loading (<c>answers</c> → <c>answers.text</c>, ...), as
    /// <c>mlContext.Transforms.FlattenJson()</c> does after loading. Default: false (a struct is one column of JSON text).
    /// </summary>
    public bool Flatten { get; set; }
}
