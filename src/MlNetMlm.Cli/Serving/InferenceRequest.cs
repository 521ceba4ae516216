using System.Text.Json;

namespace MlNetMlm.Cli.Serving;

/// <summary>A request that cannot be served as asked: answered with <see cref="StatusCode"/> and <c>{"error": Message}</c>.</summary>
internal sealed class RequestException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}

/// <summary>
/// The body of HF's Inference API for fill-mask: <c>{"inputs": string | [string…], "parameters": {"top_k": n, "targets": [...]}}</c>.
/// Some versions of <c>huggingface_hub</c> put <c>top_k</c> and <c>targets</c> beside <c>inputs</c>; both places are read.
/// </summary>
internal sealed record InferenceRequest(IReadOnlyList<string> Inputs, bool IsList, int? TopK, IReadOnlyList<string>? Targets)
{
    private static readonly string[] s_parameters = ["top_k", "targets"];

    public static InferenceRequest Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw Bad($"the body is a JSON {Kind(root)}; expected an object {{\"inputs\": \"text with <mask>\", \"parameters\": {{...}}}}.");
        if (!root.TryGetProperty("inputs", out var inputs) || inputs.ValueKind == JsonValueKind.Null)
            throw Bad("the body has no \"inputs\"; expected {\"inputs\": \"text with <mask>\"} or a list of such texts.");

        List<string> texts;
        bool isList = inputs.ValueKind == JsonValueKind.Array;
        if (inputs.ValueKind == JsonValueKind.String) texts = [inputs.GetString()!];
        else if (isList)
        {
            texts = [];
            int i = 0;
            foreach (var item in inputs.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String) throw Bad($"inputs[{i}] is a {Kind(item)}; expected a string with <mask>.");
                texts.Add(item.GetString()!);
                i++;
            }
            if (texts.Count == 0) throw Bad("\"inputs\" is an empty list; give at least one text with <mask>.");
        }
        else throw Bad($"\"inputs\" is a {Kind(inputs)}; expected a string with <mask> or a list of such strings.");

        var parameters = root.TryGetProperty("parameters", out var p) && p.ValueKind != JsonValueKind.Null ? p : (JsonElement?)null;
        if (parameters is { ValueKind: not JsonValueKind.Object })
            throw Bad($"\"parameters\" is a {Kind(parameters.Value)}; expected an object such as {{\"top_k\": 5}}.");
        if (parameters is { } given)
            foreach (var property in given.EnumerateObject())
                if (!s_parameters.Contains(property.Name))
                    throw Bad($"parameters.{property.Name} is not a fill-mask parameter; expected top_k or targets.");

        JsonElement? Find(string name) =>
            parameters is { } o && o.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v
            : root.TryGetProperty(name, out var top) && top.ValueKind != JsonValueKind.Null ? top : null;
        return new InferenceRequest(texts, isList, ParseTopK(Find("top_k")), ParseTargets(Find("targets")));
    }

    private static int? ParseTopK(JsonElement? value)
    {
        if (value is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int k) || k < 1)
            throw Bad($"top_k is {v.GetRawText()}; expected a positive integer.");
        return k;
    }

    // HF takes one word or a list; each word that is not a vocabulary entry is tokenized and its first token used.
    private static IReadOnlyList<string>? ParseTargets(JsonElement? value)
    {
        if (value is not { } v) return null;
        if (v.ValueKind == JsonValueKind.String) return [NonEmpty(v.GetString()!, "targets")];
        if (v.ValueKind != JsonValueKind.Array) throw Bad($"targets is a {Kind(v)}; expected a word or a list of words.");
        var words = new List<string>();
        int i = 0;
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String) throw Bad($"targets[{i}] is a {Kind(item)}; expected a word.");
            words.Add(NonEmpty(item.GetString()!, $"targets[{i}]"));
            i++;
        }
        if (words.Count == 0) throw Bad("targets is an empty list; give at least one word, or leave targets out for the whole vocabulary.");
        return words;
    }

    private static string NonEmpty(string word, string where) =>
        word.Length > 0 ? word : throw Bad($"{where} is an empty string; expected a word.");

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "list",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    private static RequestException Bad(string message) => new(400, message);
}
