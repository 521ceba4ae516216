using MlNetMlm.Json;

namespace MlNetMlm.Flatten;

/// <summary>One flattened input column and the dotted columns made from it.</summary>
internal sealed record FlattenedGroup(string InputColumnName, IReadOnlyList<JsonColumn> Columns);
