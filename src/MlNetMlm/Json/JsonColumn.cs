namespace MlNetMlm.Json;

/// <summary>
/// One column read from JSON: its name and how its values are held. For flattened fields the name is
/// the dotted path, e.g. <c>answers.text</c>.
/// </summary>
public sealed record JsonColumn(string Name, JsonColumnKind Kind);
