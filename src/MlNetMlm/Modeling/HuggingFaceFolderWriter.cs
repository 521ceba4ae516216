using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MlNetMlm.Tokenization;
using MlNetMlm.Files;
using static TorchSharp.torch;

namespace MlNetMlm.Modeling;

/// <summary>Receives one file of a Hugging Face model folder: its name and how to write its bytes.</summary>
internal delegate void FileSink(string name, Action<Stream> write);

/// <summary>
/// Writes the files of a Hugging Face model folder — config.json, model.safetensors (HF key names and dtypes,
/// tied decoder tensors left out), the tokenizer files, tokenizer_config.json, special_tokens_map.json and a
/// README.md model card — each through a stream handed to a <see cref="FileSink"/>: a folder on disk
/// (<see cref="RobertaCheckpoint.Save"/>) or entries of an ML.NET model zip, with no temporary folder.
/// </summary>
internal static class HuggingFaceFolderWriter
{
    public const string TokenizerConfigFile = "tokenizer_config.json";
    public const string SpecialTokensMapFile = "special_tokens_map.json";
    public const string ModelCardFile = "README.md";

    private static readonly string[] TokenizerFileNames = ["vocab.json", "merges.txt", "tokenizer.json", TokenizerConfigFile, SpecialTokensMapFile];

    /// <param name="model">The model to save.</param>
    /// <param name="options">Tokenizer, extra files and model-card details.</param>
    /// <param name="folderName">The folder's name, for the model card.</param>
    /// <param name="sink">Where each file goes.</param>
    /// <param name="beforeDefaults">Runs after the tokenizer and extra files, before the default metadata files; returns the names it added.</param>
    public static void Write(RobertaForMaskedLM model, CheckpointSaveOptions options, string folderName, FileSink sink, Func<IEnumerable<string>>? beforeDefaults = null)
    {
        var config = model.Config.Clone();
        config.Architectures = ["RobertaForMaskedLM"];
        // Keys HF's RobertaConfig always writes, with its defaults, when the source config did not carry them.
        config.ExtraFields.TryAdd("classifier_dropout", null);
        config.ExtraFields.TryAdd("use_cache", true);
        var state = model.state_dict();
        foreach (var (key, t) in state)
            if (!SafetensorsFile.IsKnownDType(t.dtype))
                throw new InvalidOperationException($"'{key}' has dtype {t.dtype}, which safetensors cannot store.");
        config.TorchDtype = state[CheckpointValidator.WordEmbeddings].dtype switch
        {
            ScalarType.Float16 => "float16",
            ScalarType.BFloat16 => "bfloat16",
            ScalarType.Float64 => "float64",
            _ => "float32",
        };

        var written = new HashSet<string>(StringComparer.Ordinal);
        var specialIds = new SortedDictionary<int, string>();
        void Put(string name, Action<Stream> write)
        {
            sink(name, write);
            written.Add(name);
        }
        Put(RobertaCheckpoint.ConfigFile, s => s.Write(AtomicFile.Utf8NoBom.GetBytes(config.ToJson())));
        Put(RobertaCheckpoint.SafetensorsFileName, s => SafetensorsFile.Write(s, state));

        if (options.Tokenizer is { } tokenizer)
        {
            if (tokenizer.VocabularySize > config.VocabSize)
                throw new CheckpointException($"The tokenizer has {tokenizer.VocabularySize} token ids but the model's vocab_size is {config.VocabSize}.");
            Put("vocab.json", tokenizer.WriteVocabulary);
            Put("merges.txt", tokenizer.WriteMerges);
            foreach (string token in SpecialTokens)
                if (tokenizer.TryConvertTokenToId(token, out int id)) specialIds[id] = token;
        }
        else if (options.TokenizerDirectory is string tokDir)
        {
            var found = Tokenization.TokenizerFiles.Find(tokDir)
                ?? throw new FileNotFoundException($"Tokenizer folder '{tokDir}' has neither {Tokenization.TokenizerFiles.Expected}.", Path.Combine(tokDir, Tokenization.TokenizerFiles.VocabFile));
            int vocab;
            if (found.VocabJson is { } vocabJson)
            {
                vocab = RobertaCheckpoint.VocabularySize(vocabJson);
                specialIds = SpecialTokenIds(vocabJson);
            }
            else
            {
                var fromJson = RobertaTokenizer.FromDirectory(tokDir);
                vocab = fromJson.VocabularySize;
                foreach (string token in SpecialTokens)
                    if (fromJson.TryConvertTokenToId(token, out int id)) specialIds[id] = token;
            }
            if (vocab > config.VocabSize)
                throw new CheckpointException($"The tokenizer in '{tokDir}' has {vocab} token ids but the model's vocab_size is {config.VocabSize}.");
            foreach (string file in TokenizerFileNames)
            {
                string src = Path.Combine(tokDir, file);
                if (File.Exists(src)) Put(file, s => { using var from = File.OpenRead(src); from.CopyTo(s); });
            }
        }
        foreach (var (name, write) in options.ExtraFiles) Put(name, write);
        if (beforeDefaults is not null) written.UnionWith(beforeDefaults());

        if (!written.Contains(TokenizerConfigFile)) Put(TokenizerConfigFile, Text(TokenizerConfigJson(config, specialIds)));
        if (!written.Contains(SpecialTokensMapFile)) Put(SpecialTokensMapFile, Text(SpecialTokensMapJson()));
        if (!written.Contains(ModelCardFile)) Put(ModelCardFile, Text(ModelCard(config, options, folderName)));
    }

    private static Action<Stream> Text(string text) => s => s.Write(AtomicFile.Utf8NoBom.GetBytes(text));

    private static readonly System.Text.Json.JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>RoBERTa's special tokens with the flags HF's tokenizer saves: only &lt;mask&gt; absorbs the space before it.</summary>
    private static readonly string[] SpecialTokens = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"];

    private static JsonObject TokenFlags(string token, bool withSpecial = false)
    {
        bool mask = token == "<mask>";
        // HF's RoBERTa <mask> absorbs the space before it (lstrip), which the fill-mask pipeline relies on.
        var o = new JsonObject { ["content"] = token, ["lstrip"] = mask, ["normalized"] = !mask, ["rstrip"] = false, ["single_word"] = false };
        if (withSpecial) o["special"] = true;
        return o;
    }

    /// <summary>The special tokens' ids in a vocab.json.</summary>
    private static SortedDictionary<int, string> SpecialTokenIds(string vocabPath)
    {
        var ids = new SortedDictionary<int, string>();
        var vocab = JsonNode.Parse(File.ReadAllBytes(vocabPath))!.AsObject();
        foreach (string token in SpecialTokens)
            if (vocab[token] is JsonNode id) ids[id.GetValue<int>()] = token;
        return ids;
    }

    /// <summary>RoBERTa's tokenizer settings, as <c>RobertaTokenizer.save_pretrained</c> writes them.</summary>
    internal static string TokenizerConfigJson(RobertaConfig config, SortedDictionary<int, string>? specialIds = null)
    {
        var decoder = new JsonObject();
        foreach (var (id, token) in specialIds ?? []) decoder[id.ToString(CultureInfo.InvariantCulture)] = TokenFlags(token, withSpecial: true);
        var o = new JsonObject { ["add_prefix_space"] = false };
        if (decoder.Count > 0) o["added_tokens_decoder"] = decoder;
        o["bos_token"] = "<s>";
        o["clean_up_tokenization_spaces"] = true;
        o["cls_token"] = "<s>";
        o["eos_token"] = "</s>";
        o["errors"] = "replace";
        o["mask_token"] = "<mask>";
        // HF writes a 1e30 placeholder when it does not know the limit; the model's real one is more useful.
        o["model_max_length"] = config.MaxSequenceLength;
        o["pad_token"] = "<pad>";
        o["sep_token"] = "</s>";
        o["tokenizer_class"] = "RobertaTokenizer";
        o["unk_token"] = "<unk>";
        return o.ToJsonString(Indented) + "\n";
    }

    internal static string SpecialTokensMapJson() => new JsonObject
    {
        ["bos_token"] = TokenFlags("<s>"),
        ["cls_token"] = TokenFlags("<s>"),
        ["eos_token"] = TokenFlags("</s>"),
        ["mask_token"] = TokenFlags("<mask>"),
        ["pad_token"] = TokenFlags("<pad>"),
        ["sep_token"] = TokenFlags("</s>"),
        ["unk_token"] = TokenFlags("<unk>"),
    }.ToJsonString(Indented) + "\n";

    private static string ModelCard(RobertaConfig config, CheckpointSaveOptions options, string folderName)
    {
        var sb = new StringBuilder();
        sb.AppendLine("---");
        sb.AppendLine("library_name: transformers");
        sb.AppendLine("pipeline_tag: fill-mask");
        sb.AppendLine("tags:");
        sb.AppendLine("- roberta");
        sb.AppendLine("- fill-mask");
        sb.AppendLine("- mlnet-mlm");
        if (options.BaseModel is not null) sb.AppendLine($"base_model: {options.BaseModel}");
        sb.AppendLine("---");
        sb.AppendLine();
        sb.AppendLine($"# {options.ModelName ?? folderName}");
        sb.AppendLine();
        sb.AppendLine($"A RoBERTa masked language model ({config.NumHiddenLayers} layers, hidden size {config.HiddenSize}, " +
                      $"{config.NumAttentionHeads} heads, vocabulary {config.VocabSize}), saved by MlNetMlm (ML.NET + TorchSharp) " +
                      "in the Hugging Face format: `AutoModelForMaskedLM.from_pretrained` loads it as is.");
        sb.AppendLine();
        if (options.BaseModel is not null) sb.AppendLine($"- Base model: `{options.BaseModel}`");
        if (options.TrainedOn is not null) sb.AppendLine($"- Trained on: {options.TrainedOn}");
        if (options.Metrics is { Count: > 0 } metrics)
        {
            sb.AppendLine();
            sb.AppendLine("## Metrics");
            sb.AppendLine();
            sb.AppendLine("| metric | value |");
            sb.AppendLine("|---|---|");
            foreach (var (k, v) in metrics) sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {k} | {v:G6} |"));
        }
        sb.AppendLine();
        sb.AppendLine("## Use");
        sb.AppendLine();
        sb.AppendLine("```python");
        sb.AppendLine("from transformers import pipeline");
        sb.AppendLine($"fill = pipeline(\"fill-mask\", model=\"{folderName}\")");
        sb.AppendLine("fill(\"The capital of France is <mask>.\")");
        sb.AppendLine("```");
        return sb.ToString();
    }
}
