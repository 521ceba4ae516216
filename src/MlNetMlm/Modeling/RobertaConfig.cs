using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Modeling;

/// <summary>
/// The hyper-parameters of a RoBERTa masked LM, as Hugging Face writes them to <c>config.json</c>.
/// Missing fields take the defaults of HF's <c>RobertaConfig</c> class; fields this type does not
/// know are kept and written back unchanged.
/// </summary>
public sealed class RobertaConfig
{
    public int VocabSize { get; set; } = 50265;
    public int HiddenSize { get; set; } = 768;
    public int NumHiddenLayers { get; set; } = 12;
    public int NumAttentionHeads { get; set; } = 12;
    public int IntermediateSize { get; set; } = 3072;
    public string HiddenAct { get; set; } = "gelu";
    public double HiddenDropoutProb { get; set; } = 0.1;
    public double AttentionProbsDropoutProb { get; set; } = 0.1;
    public int MaxPositionEmbeddings { get; set; } = 512;
    public int TypeVocabSize { get; set; } = 2;
    public double InitializerRange { get; set; } = 0.02;
    public double LayerNormEps { get; set; } = 1e-12;
    public int PadTokenId { get; set; } = 1;
    public int BosTokenId { get; set; } = 0;
    public int EosTokenId { get; set; } = 2;
    public string PositionEmbeddingType { get; set; } = "absolute";
    public string ModelType => "roberta";
    public IList<string> Architectures { get; set; } = ["RobertaForMaskedLM"];
    public string TorchDtype { get; set; } = "float32";

    /// <summary>Fields of config.json this type does not model (e.g. <c>transformers_version</c>, <c>use_cache</c>), kept for round-trip.</summary>
    public JsonObject ExtraFields { get; } = new();

    /// <summary>Size of one attention head (<c>hidden_size / num_attention_heads</c>).</summary>
    public int HeadSize => HiddenSize / NumAttentionHeads;

    /// <summary>distilroberta-base: 6 layers, 768 hidden, 12 heads, 3072 intermediate, 50,265 ids, 514 positions.</summary>
    public static RobertaConfig DistilRobertaBase() => new()
    {
        VocabSize = 50265,
        HiddenSize = 768,
        NumHiddenLayers = 6,
        NumAttentionHeads = 12,
        IntermediateSize = 3072,
        MaxPositionEmbeddings = 514,
        TypeVocabSize = 1,
        LayerNormEps = 1e-5,
    };

    /// <summary>
    /// For training from scratch: 4 layers, 256 hidden, 4 heads, 1024 intermediate, 130 positions (128-token
    /// blocks plus RoBERTa's offset of 2); trains on the embedded sample in minutes on two CPU cores.
    /// Take the vocabulary and special ids from your tokenizer with <see cref="WithTokenizer"/>.
    /// </summary>
    public static RobertaConfig Small() => new() { NumHiddenLayers = 4, HiddenSize = 256, NumAttentionHeads = 4, IntermediateSize = 1024, MaxPositionEmbeddings = 130 };

    /// <summary>2 layers, 64 hidden, 2 heads, 128 intermediate, 130 positions: for smoke tests, not for learning.</summary>
    public static RobertaConfig Tiny() => new() { NumHiddenLayers = 2, HiddenSize = 64, NumAttentionHeads = 2, IntermediateSize = 128, MaxPositionEmbeddings = 130 };

    /// <summary>The names <see cref="Preset"/> takes: <c>tiny</c>, <c>small</c>, <c>distilroberta</c>.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["tiny", "small", "distilroberta"];

    /// <summary>A new config of the named size (see <see cref="PresetNames"/>); an unknown name is an error listing the known ones.</summary>
    public static RobertaConfig Preset(string name) => name switch
    {
        "tiny" => Tiny(),
        "small" => Small(),
        "distilroberta" => DistilRobertaBase(),
        _ => throw new ArgumentException($"unknown model size '{name}'; expected {string.Join(", ", PresetNames)}.", nameof(name)),
    };

    /// <summary>
    /// A copy for training from scratch with <paramref name="tokenizer"/>: its vocabulary size and its
    /// <c>&lt;pad&gt;</c>, <c>&lt;s&gt;</c> and <c>&lt;/s&gt;</c> ids replace this config's; the rest is kept.
    /// </summary>
    public RobertaConfig WithTokenizer(RobertaTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var config = Clone();
        config.VocabSize = tokenizer.VocabularySize;
        config.PadTokenId = tokenizer.PadId;
        config.BosTokenId = tokenizer.BosId;
        config.EosTokenId = tokenizer.EosId;
        return config;
    }

    /// <summary>Checks the values this implementation depends on; throws with the offending field named.</summary>
    public void Validate()
    {
        static void Positive(string name, int v)
        {
            if (v <= 0) throw new InvalidDataException($"config.json: {name} must be positive, got {v}.");
        }
        Positive("vocab_size", VocabSize);
        Positive("hidden_size", HiddenSize);
        Positive("num_hidden_layers", NumHiddenLayers);
        Positive("num_attention_heads", NumAttentionHeads);
        Positive("intermediate_size", IntermediateSize);
        Positive("type_vocab_size", TypeVocabSize);
        static void Probability(string name, double v)
        {
            if (!(v >= 0 && v <= 1)) throw new InvalidDataException($"config.json: {name} must be a probability in [0, 1], got {v}.");
        }
        Probability("hidden_dropout_prob", HiddenDropoutProb);
        Probability("attention_probs_dropout_prob", AttentionProbsDropoutProb);
        if (HiddenSize % NumAttentionHeads != 0)
            throw new InvalidDataException($"config.json: hidden_size {HiddenSize} is not a multiple of num_attention_heads {NumAttentionHeads}.");
        if (HiddenAct != "gelu")
            throw new InvalidDataException($"config.json: hidden_act '{HiddenAct}' is not supported; RoBERTa uses 'gelu' (erf form).");
        if (PositionEmbeddingType != "absolute")
            throw new InvalidDataException($"config.json: position_embedding_type '{PositionEmbeddingType}' is not supported; only 'absolute'.");
        // Positions run from pad+1 to pad+T, so the table must hold at least one real position.
        if (MaxPositionEmbeddings <= PadTokenId + 1)
            throw new InvalidDataException($"config.json: max_position_embeddings {MaxPositionEmbeddings} leaves no room after pad_token_id {PadTokenId}.");
        if (PadTokenId < 0 || PadTokenId >= VocabSize)
            throw new InvalidDataException($"config.json: pad_token_id {PadTokenId} is outside the vocabulary (vocab_size {VocabSize}).");
    }

    /// <summary>The longest input (in tokens, specials included) the position table allows.</summary>
    public int MaxSequenceLength => MaxPositionEmbeddings - PadTokenId - 1;

    // ---- JSON ----

    private static readonly string[] KnownKeys =
    [
        "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_act",
        "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings", "type_vocab_size",
        "initializer_range", "layer_norm_eps", "pad_token_id", "bos_token_id", "eos_token_id",
        "position_embedding_type", "model_type", "architectures", "torch_dtype",
    ];

    /// <summary>Reads <c>config.json</c>. <paramref name="source"/> names the file in error messages.</summary>
    public static RobertaConfig FromJson(string json, string source = "config.json")
    {
        JsonObject obj;
        try
        {
            obj = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{source}: not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({e.Message}).", e);
        }

        var c = new RobertaConfig();
        try
        {
            string? modelType = obj["model_type"] is null ? null : Str(obj, "model_type", "");
            if (modelType is null)
                throw new InvalidDataException($"{source}: no 'model_type'; expected \"roberta\".");
            if (modelType != "roberta")
                throw new InvalidDataException($"{source}: model_type is \"{modelType}\", but this loader reads RoBERTa checkpoints only (model_type \"roberta\").");
            c.VocabSize = Int(obj, "vocab_size", c.VocabSize);
            c.HiddenSize = Int(obj, "hidden_size", c.HiddenSize);
            c.NumHiddenLayers = Int(obj, "num_hidden_layers", c.NumHiddenLayers);
            c.NumAttentionHeads = Int(obj, "num_attention_heads", c.NumAttentionHeads);
            c.IntermediateSize = Int(obj, "intermediate_size", c.IntermediateSize);
            c.HiddenAct = Str(obj, "hidden_act", c.HiddenAct);
            c.HiddenDropoutProb = Dbl(obj, "hidden_dropout_prob", c.HiddenDropoutProb);
            c.AttentionProbsDropoutProb = Dbl(obj, "attention_probs_dropout_prob", c.AttentionProbsDropoutProb);
            c.MaxPositionEmbeddings = Int(obj, "max_position_embeddings", c.MaxPositionEmbeddings);
            c.TypeVocabSize = Int(obj, "type_vocab_size", c.TypeVocabSize);
            c.InitializerRange = Dbl(obj, "initializer_range", c.InitializerRange);
            c.LayerNormEps = Dbl(obj, "layer_norm_eps", c.LayerNormEps);
            c.PadTokenId = Int(obj, "pad_token_id", c.PadTokenId);
            c.BosTokenId = Int(obj, "bos_token_id", c.BosTokenId);
            c.EosTokenId = Int(obj, "eos_token_id", c.EosTokenId);
            c.PositionEmbeddingType = Str(obj, "position_embedding_type", c.PositionEmbeddingType);
            c.TorchDtype = Str(obj, "torch_dtype", c.TorchDtype);
            if (obj["architectures"] is JsonArray arch)
                c.Architectures = arch.Select(a => a is JsonValue v && v.TryGetValue(out string? name) ? name : throw new FormatException($"'architectures' should be a list of strings, got {arch.ToJsonString()}")).ToList();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException or ArgumentException)
        {
            throw new InvalidDataException(e is FormatException ? $"{source}: {e.Message}." : $"{source}: a field has the wrong type ({e.Message}).", e);
        }

        foreach (var (key, value) in obj)
            if (!KnownKeys.Contains(key))
                c.ExtraFields[key] = value?.DeepClone();
        c.Validate();
        return c;
    }

    public static RobertaConfig Load(string path) => FromJson(File.ReadAllText(path), path);

    /// <summary>config.json text as HF writes it: keys sorted, two-space indent.</summary>
    public string ToJson()
    {
        var all = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (key, value) in ExtraFields) all[key] = value?.DeepClone();
        all["vocab_size"] = VocabSize;
        all["hidden_size"] = HiddenSize;
        all["num_hidden_layers"] = NumHiddenLayers;
        all["num_attention_heads"] = NumAttentionHeads;
        all["intermediate_size"] = IntermediateSize;
        all["hidden_act"] = HiddenAct;
        all["hidden_dropout_prob"] = HiddenDropoutProb;
        all["attention_probs_dropout_prob"] = AttentionProbsDropoutProb;
        all["max_position_embeddings"] = MaxPositionEmbeddings;
        all["type_vocab_size"] = TypeVocabSize;
        all["initializer_range"] = InitializerRange;
        all["layer_norm_eps"] = LayerNormEps;
        all["pad_token_id"] = PadTokenId;
        all["bos_token_id"] = BosTokenId;
        all["eos_token_id"] = EosTokenId;
        all["position_embedding_type"] = PositionEmbeddingType;
        all["model_type"] = ModelType;
        all["architectures"] = new JsonArray(Architectures.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray());
        all["torch_dtype"] = TorchDtype;

        var obj = new JsonObject();
        foreach (var (key, value) in all) obj[key] = value;
        return obj.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    public void Save(string path) => Files.AtomicFile.WriteAllText(path, ToJson());

    public RobertaConfig Clone() => FromJson(ToJson());

    private static int Int(JsonObject o, string key, int fallback) =>
        o[key] is not JsonNode n ? fallback
        : n is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out int i) ? i
        : throw new FormatException($"'{key}' should be an integer from {int.MinValue} to {int.MaxValue}, got {n.ToJsonString()}");

    private static double Dbl(JsonObject o, string key, double fallback) =>
        o[key] is not JsonNode n ? fallback
        : n is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out double d) && double.IsFinite(d) ? d
        : throw new FormatException($"'{key}' should be a number, got {n.ToJsonString()}");

    private static string Str(JsonObject o, string key, string fallback) =>
        o[key] is not JsonNode n ? fallback
        : n is JsonValue v && v.TryGetValue(out string? text) ? text
        : throw new FormatException($"'{key}' should be a string, got {n.ToJsonString()}");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"RoBERTa {NumHiddenLayers} layers, hidden {HiddenSize}, {NumAttentionHeads} heads, intermediate {IntermediateSize}, vocab {VocabSize}, positions {MaxPositionEmbeddings}");
}
