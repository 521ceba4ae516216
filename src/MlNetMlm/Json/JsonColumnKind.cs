namespace MlNetMlm.Json;

/// <summary>
/// How a JSON field is held in an <c>IDataView</c> column. Where a row lacks the field or holds
/// <c>null</c>, the column gets the default named here.
/// </summary>
public enum JsonColumnKind
{
    /// <summary>A JSON string, as text. Missing or null: empty text.</summary>
    Text,

    /// <summary>A JSON number, as <c>Single</c> (or <c>Double</c> when asked for). Missing or null: NaN.</summary>
    Number,

    /// <summary><c>true</c>/<c>false</c>, as <c>Boolean</c>. Missing or null: false (ML.NET's Boolean has no missing value).</summary>
    Boolean,

    /// <summary>An array of strings, as a variable-length text vector. Missing or null: empty vector; a null item: empty text.</summary>
    TextVector,

    /// <summary>An array of numbers, as a variable-length <c>Single</c> (or <c>Double</c>) vector. Missing or null: empty vector; a null item: NaN.</summary>
    NumberVector,

    /// <summary>
    /// Any JSON value kept as its JSON text: nested objects (which <c>FlattenJson</c> can split into
    /// dotted columns), lists of lists and mixed arrays, which an <c>IDataView</c> column cannot hold.
    /// Missing or null: empty text.
    /// </summary>
    Json,
}
