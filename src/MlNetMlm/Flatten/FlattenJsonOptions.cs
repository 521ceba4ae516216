using MlNetMlm.Json;

namespace MlNetMlm.Flatten;

/// <summary>
/// Options of <see cref="FlattenJsonEstimator"/>: split text columns that hold JSON objects (such as the
/// <c>answers</c> column that <c>LoadFromJsonLines</c> gives for ELI5 data) into dotted columns, as
/// 🤗 datasets' <c>flatten()</c> does: <c>answers</c> → <c>answers.a_id</c>, <c>answers.text</c>, <c>answers.score</c>.
/// </summary>
public sealed class FlattenJsonOptions
{
    /// <summary>
    /// The text columns to flatten. Default (empty): every text column whose non-empty values in the
    /// sampled rows are all JSON objects.
    /// </summary>
    public IList<string> InputColumnNames { get; set; } = [];

    /// <summary>
    /// How many rows, from the first on, <c>Fit</c> reads to infer the fields of the objects. Default: 1000.
    /// Fields that first appear later are ignored; a later value that does not fit its inferred kind is an error.
    /// </summary>
    public int InferenceRows { get; set; } = 1000;

    /// <summary>
    /// The output columns, with dotted names (<c>answers.text</c>), instead of inferring them; <c>Fit</c> then
    /// reads no data. Each name's input column is the part before its first dot, unless it starts with one of
    /// <see cref="InputColumnNames"/> followed by a dot. Default: null (infer).
    /// </summary>
    public IList<JsonColumn>? Columns { get; set; }

    /// <summary>Numbers as <c>Double</c> rather than <c>Single</c>. Default: false.</summary>
    public bool UseDouble { get; set; }

    /// <summary>
    /// Options that flatten ELI5's nested columns with their known fields, no inference needed:
    /// <c>answers.a_id</c>, <c>answers.text</c> (text vectors), <c>answers.score</c> (number vector) and the
    /// <c>url</c> text vectors of <c>title_urls</c>, <c>selftext_urls</c> and <c>answers_urls</c>.
    /// Because the columns are known before any data is read, later steps of the same
    /// <c>EstimatorChain</c> can use them (ML.NET checks a chain's columns before fitting it).
    /// </summary>
    public static FlattenJsonOptions Eli5() => new()
    {
        Columns =
        [
            new JsonColumn("answers.a_id", JsonColumnKind.TextVector),
            new JsonColumn("answers.text", JsonColumnKind.TextVector),
            new JsonColumn("answers.score", JsonColumnKind.NumberVector),
            new JsonColumn("title_urls.url", JsonColumnKind.TextVector),
            new JsonColumn("selftext_urls.url", JsonColumnKind.TextVector),
            new JsonColumn("answers_urls.url", JsonColumnKind.TextVector),
        ],
    };
}
