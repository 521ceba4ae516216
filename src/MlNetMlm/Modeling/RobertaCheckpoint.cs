using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MlNetMlm.Modeling;

/// <summary>A checkpoint folder that cannot be loaded: the message names the file and key at fault.</summary>
public sealed class CheckpointException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What <see cref="RobertaCheckpoint.Save"/> writes besides config.json and model.safetensors.</summary>
public sealed class CheckpointSaveOptions
{
    /// <summary>Replace an existing non-empty folder (it is swapped out only after the new one is complete).</summary>
    public bool Overwrite { get; init; }

    /// <summary>A folder holding the tokenizer files to copy: vocab.json and merges.txt (and tokenizer.json, tokenizer_config.json, special_tokens_map.json when present).</summary>
    public string? TokenizerDirectory { get; init; }

    /// <summary>Called with the folder being written, to add tokenizer files (or anything else) before it is moved into place.</summary>
    public Action<string>? WriteExtraFiles { get; init; }

    /// <summary>Model-card title; defaults to the folder name.</summary>
    public string? ModelName { get; init; }

    /// <summary>The checkpoint this model started from (e.g. "distilroberta-base").</summary>
    public string? BaseModel { get; init; }

    /// <summary>What the model was trained or fine-tuned on.</summary>
    public string? TrainedOn { get; init; }

    /// <summary>Evaluation figures for the model card (e.g. "eval_loss", "perplexity").</summary>
    public IReadOnlyDictionary<string, double>? Metrics { get; init; }
}

/// <summary>
/// Reads and writes Hugging Face checkpoint folders for <see cref="RobertaForMaskedLM"/>.
/// Loading reads every tensor into memory first (safetensors and <c>torch.save</c> zip files through
/// TorchSharp.PyBridge), checks names, shapes and dtypes against a freshly built model, and copies only
/// when everything matches, so a failed load never leaves a half-filled model behind.
/// </summary>
public static class RobertaCheckpoint
{
    public const string ConfigFile = "config.json";
    public const string SafetensorsFileName = "model.safetensors";
    public const string SafetensorsIndexFile = "model.safetensors.index.json";
    public const string PytorchFile = "pytorch_model.bin";
    public const string PytorchIndexFile = "pytorch_model.bin.index.json";

    private const string DecoderWeight = "lm_head.decoder.weight";
    private const string DecoderBias = "lm_head.decoder.bias";
    private const string WordEmbeddings = "roberta.embeddings.word_embeddings.weight";
    private const string LmHeadBias = "lm_head.bias";

    /// <summary>
    /// Loads <c>config.json</c> and the weights (<c>model.safetensors</c>, preferred, or <c>pytorch_model.bin</c>,
    /// either possibly sharded with an <c>*.index.json</c>). Returns the model in eval mode.
    /// </summary>
    /// <param name="directory">The checkpoint folder.</param>
    /// <param name="log">Receives notes about keys that were accepted but not used; defaults to <see cref="System.Diagnostics.Trace"/>.</param>
    /// <exception cref="CheckpointException">missing/unexpected keys, shape or dtype mismatches, unreadable or truncated files, a vocabulary larger than the model's.</exception>
    public static RobertaForMaskedLM Load(string directory, Action<string>? log = null)
    {
        log ??= m => System.Diagnostics.Trace.WriteLine(m);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Checkpoint folder '{directory}' does not exist.");
        string configPath = Path.Combine(directory, ConfigFile);
        if (!File.Exists(configPath))
            throw new CheckpointException($"{configPath} is missing; a Hugging Face checkpoint folder needs config.json.");
        RobertaConfig config;
        try
        {
            config = RobertaConfig.Load(configPath);
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException(e.Message, e);
        }
        CheckTokenizerVocabulary(directory, config, log);

        var stored = ReadWeights(directory);
        RobertaForMaskedLM? model = null;
        try
        {
            // A fresh module: if any check fails, it is dropped and nothing the caller holds was touched.
            model = new RobertaForMaskedLM(config);
            CopyInto(model, stored, log);
            model.eval();
            return model;
        }
        catch
        {
            model?.Dispose();
            throw;
        }
        finally
        {
            foreach (var (tensor, _) in stored.Values) tensor.Dispose();
        }
    }

    /// <summary>Every tensor in the folder's weight files, with the file it came from.</summary>
    internal static Dictionary<string, (Tensor Tensor, string File)> ReadWeights(string directory)
    {
        string st = Path.Combine(directory, SafetensorsFileName), stIndex = Path.Combine(directory, SafetensorsIndexFile);
        string pt = Path.Combine(directory, PytorchFile), ptIndex = Path.Combine(directory, PytorchIndexFile);
        if (File.Exists(st)) return ReadFiles([st], ReadSafetensors);
        if (File.Exists(stIndex)) return ReadSharded(stIndex, ReadSafetensors);
        if (File.Exists(pt)) return ReadFiles([pt], ReadPytorch);
        if (File.Exists(ptIndex)) return ReadSharded(ptIndex, ReadPytorch);
        throw new CheckpointException($"No weights in '{directory}': looked for {SafetensorsFileName}, {SafetensorsIndexFile}, {PytorchFile} and {PytorchIndexFile}.");
    }

    private static Dictionary<string, (Tensor, string)> ReadFiles(IEnumerable<string> files, Func<string, Dictionary<string, Tensor>> reader)
    {
        var all = new Dictionary<string, (Tensor, string)>();
        try
        {
            foreach (string file in files)
            {
                foreach (var (key, tensor) in reader(file))
                {
                    if (!all.TryAdd(key, (tensor, file)))
                    {
                        tensor.Dispose();
                        throw new CheckpointException($"{file}: tensor '{key}' is also stored in {all[key].Item2}.");
                    }
                }
            }
            return all;
        }
        catch
        {
            foreach (var (t, _) in all.Values) t.Dispose();
            throw;
        }
    }

    private static Dictionary<string, (Tensor, string)> ReadSharded(string indexPath, Func<string, Dictionary<string, Tensor>> reader)
    {
        Dictionary<string, string> weightMap;
        try
        {
            var index = JsonNode.Parse(File.ReadAllText(indexPath)) as JsonObject;
            var map = index?["weight_map"] as JsonObject ?? throw new CheckpointException($"{indexPath}: no 'weight_map' object.");
            weightMap = map.ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<string>());
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{indexPath}: not valid JSON ({e.Message}).", e);
        }
        string dir = Path.GetDirectoryName(indexPath)!;
        var shards = weightMap.Values.Distinct().Select(f =>
        {
            if (Path.GetFileName(f) != f) throw new CheckpointException($"{indexPath}: shard name '{f}' must be a file name in the same folder.");
            string p = Path.Combine(dir, f);
            return File.Exists(p) ? p : throw new CheckpointException($"{indexPath}: shard '{f}' listed in weight_map does not exist.");
        }).ToList();
        var all = ReadFiles(shards, reader);
        foreach (var (key, file) in weightMap)
        {
            if (!all.TryGetValue(key, out var found))
            {
                foreach (var (t, _) in all.Values) t.Dispose();
                throw new CheckpointException($"{indexPath}: weight_map puts '{key}' in {file}, but that shard does not contain it.");
            }
        }
        return all;
    }

    private static Dictionary<string, Tensor> ReadSafetensors(string path)
    {
        // Our own header check first: PyBridge's reader trusts the header and does not notice a short file.
        try
        {
            SafetensorsFile.ReadHeader(path);
            return Safetensors.LoadStateDict(path);
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException(e.Message, e);
        }
        catch (Exception e) when (e is not CheckpointException)
        {
            throw new CheckpointException($"{path}: could not be read as safetensors ({e.GetBaseException().Message}).", e);
        }
    }

    private static Dictionary<string, Tensor> ReadPytorch(string path)
    {
        Hashtable table;
        try
        {
            // PyBridge's unpickler builds only tensors and OrderedDicts; any other global in the pickle is an error.
            table = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (Exception e)
        {
            throw new CheckpointException($"{path}: could not be read as a torch.save zip checkpoint ({e.GetBaseException().Message}); the file may be truncated or not a state dict.", e);
        }
        var result = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is string key && entry.Value is Tensor t) result[key] = t;
            else throw new CheckpointException($"{path}: entry '{entry.Key}' is not a tensor; expected a state dict.");
        }
        return result;
    }

    private static bool IsTolerated(string key) =>
        key.StartsWith("roberta.pooler.", StringComparison.Ordinal)
        || key is "roberta.embeddings.position_ids" or "roberta.embeddings.token_type_ids" or DecoderWeight or DecoderBias;

    /// <summary>Checks every name, shape and dtype, then copies; nothing is written unless all checks pass.</summary>
    private static void CopyInto(RobertaForMaskedLM model, Dictionary<string, (Tensor Tensor, string File)> stored, Action<string> log)
    {
        var target = model.state_dict();
        var missing = target.Keys.Where(k => !stored.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var unexpected = stored.Keys.Where(k => !target.ContainsKey(k) && !IsTolerated(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var problems = new List<string>();
        if (missing.Count > 0)
        {
            string hint = stored.Keys.Any(k => k.StartsWith("embeddings.", StringComparison.Ordinal))
                ? " (the stored keys have no 'roberta.' prefix: this looks like a bare RobertaModel, without the masked-LM head)" : "";
            problems.Add($"missing keys ({missing.Count}): {Few(missing)}{hint}");
        }
        if (unexpected.Count > 0)
            problems.Add($"unexpected keys ({unexpected.Count}): {Few(unexpected.Select(k => $"{k} in {Path.GetFileName(stored[k].File)}"))}");
        foreach (var (key, param) in target)
        {
            if (!stored.TryGetValue(key, out var s)) continue;
            if (!s.Tensor.shape.SequenceEqual(param.shape))
                problems.Add($"shape mismatch for '{key}' in {Path.GetFileName(s.File)}: checkpoint has [{string.Join(", ", s.Tensor.shape)}], the model (from config.json) expects [{string.Join(", ", param.shape)}]");
            else if (!s.Tensor.is_floating_point())
                problems.Add($"'{key}' in {Path.GetFileName(s.File)} has dtype {s.Tensor.dtype}; a floating-point tensor is expected");
        }
        // The tied decoder tensors, when stored (pytorch_model.bin), must at least fit what they are tied to.
        foreach (var (tied, owner) in new[] { (DecoderWeight, WordEmbeddings), (DecoderBias, LmHeadBias) })
            if (stored.TryGetValue(tied, out var s) && !s.Tensor.shape.SequenceEqual(target[owner].shape))
                problems.Add($"shape mismatch for '{tied}' in {Path.GetFileName(s.File)}: checkpoint has [{string.Join(", ", s.Tensor.shape)}], it is tied to '{owner}' [{string.Join(", ", target[owner].shape)}]");
        if (problems.Count > 0)
        {
            var files = string.Join(", ", stored.Values.Select(v => Path.GetFileName(v.File)).Distinct());
            throw new CheckpointException($"Checkpoint {files} does not fit {model.Config}:\n  " + string.Join("\n  ", problems));
        }

        using (no_grad())
        {
            foreach (var (key, param) in target)
                param.copy_(stored[key].Tensor);
        }

        foreach (string key in stored.Keys.Where(k => !target.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal))
        {
            string? owner = key == DecoderWeight ? WordEmbeddings : key == DecoderBias ? LmHeadBias : null;
            if (owner is null)
            {
                log($"checkpoint: ignored '{key}' from {Path.GetFileName(stored[key].File)} (not used by a masked LM).");
                continue;
            }
            using var scope = NewDisposeScope();
            double diff = stored[key].Tensor.to(ScalarType.Float64).sub(target[owner].to(ScalarType.Float64)).abs().max().item<double>();
            log(diff == 0
                ? $"checkpoint: '{key}' is stored and equals '{owner}', to which it is tied."
                : $"checkpoint: '{key}' differs from '{owner}' (max abs diff {diff:G3}); the decoder is tied, so '{owner}' is used, as Hugging Face does.");
        }
    }

    private static string Few(IEnumerable<string> items)
    {
        var list = items.ToList();
        return string.Join(", ", list.Take(8)) + (list.Count > 8 ? $", … ({list.Count - 8} more)" : "");
    }

    /// <summary>
    /// The byte-level BPE files of a checkpoint folder (<c>vocab.json</c>, <c>merges.txt</c>), for the tokenizer;
    /// null when the folder has none.
    /// </summary>
    public static (string VocabJson, string MergesTxt)? FindTokenizerFiles(string directory)
    {
        string vocab = Path.Combine(directory, "vocab.json"), merges = Path.Combine(directory, "merges.txt");
        return File.Exists(vocab) && File.Exists(merges) ? (vocab, merges) : null;
    }

    /// <summary>The largest token id in a vocab.json must exist in the model's embedding table.</summary>
    private static void CheckTokenizerVocabulary(string directory, RobertaConfig config, Action<string> log)
    {
        string vocabPath = Path.Combine(directory, "vocab.json");
        if (!File.Exists(vocabPath)) return;
        int count = VocabularySize(vocabPath);
        if (count > config.VocabSize)
            throw new CheckpointException($"{vocabPath} has {count} token ids but config.json says vocab_size {config.VocabSize}: the tokenizer would produce ids the model has no embedding for.");
        if (count < config.VocabSize)
            log($"checkpoint: vocab.json has {count} ids, the model's vocabulary is {config.VocabSize} (extra rows unused).");
    }

    /// <summary>One more than the largest id in a vocab.json (= its entry count for a well-formed file).</summary>
    internal static int VocabularySize(string vocabPath)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(vocabPath));
            int max = -1;
            foreach (var p in doc.RootElement.EnumerateObject()) max = Math.Max(max, p.Value.GetInt32());
            return max + 1;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new CheckpointException($"{vocabPath}: not a token → id JSON object ({e.Message}).", e);
        }
    }

    // ---- save ----

    /// <summary>
    /// Writes an HF-format folder that Python <c>transformers</c> loads unchanged: config.json, model.safetensors
    /// (HF key names and dtypes, tied decoder tensors left out), tokenizer files when given, tokenizer_config.json,
    /// special_tokens_map.json and a README.md model card. The folder is written beside the target and moved into
    /// place at the end; an existing non-empty folder is replaced only with <see cref="CheckpointSaveOptions.Overwrite"/>.
    /// </summary>
    public static void Save(RobertaForMaskedLM model, string directory, CheckpointSaveOptions? options = null)
    {
        options ??= new CheckpointSaveOptions();
        string target = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
        if (File.Exists(target))
            throw new IOException($"'{target}' is a file; a checkpoint is a folder.");
        bool exists = Directory.Exists(target);
        if (exists && Directory.EnumerateFileSystemEntries(target).Any() && !options.Overwrite)
            throw new IOException($"'{target}' already exists and is not empty; pass overwrite to replace it.");

        string parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        string name = Path.GetFileName(target);
        string temp = Path.Combine(parent, $".{name}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            WriteFolder(model, temp, options, name);
            if (exists)
            {
                // Swap: the old folder is moved aside first, so at no moment is there a half-written target.
                string old = Path.Combine(parent, $".{name}.old-{Guid.NewGuid():N}");
                Directory.Move(target, old);
                try
                {
                    Directory.Move(temp, target);
                }
                catch
                {
                    Directory.Move(old, target);
                    throw;
                }
                Directory.Delete(old, recursive: true);
            }
            else
            {
                Directory.Move(temp, target);
            }
        }
        catch
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            throw;
        }
    }

    private static void WriteFolder(RobertaForMaskedLM model, string dir, CheckpointSaveOptions options, string folderName)
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
        config.TorchDtype = state[WordEmbeddings].dtype switch
        {
            ScalarType.Float16 => "float16",
            ScalarType.BFloat16 => "bfloat16",
            ScalarType.Float64 => "float64",
            _ => "float32",
        };
        config.Save(Path.Combine(dir, ConfigFile));
        SafetensorsFile.Write(Path.Combine(dir, SafetensorsFileName), state);

        if (options.TokenizerDirectory is string tokDir)
        {
            foreach (string required in new[] { "vocab.json", "merges.txt" })
                if (!File.Exists(Path.Combine(tokDir, required)))
                    throw new FileNotFoundException($"Tokenizer folder '{tokDir}' has no {required}.", Path.Combine(tokDir, required));
            int vocab = VocabularySize(Path.Combine(tokDir, "vocab.json"));
            if (vocab > config.VocabSize)
                throw new CheckpointException($"{Path.Combine(tokDir, "vocab.json")} has {vocab} token ids but the model's vocab_size is {config.VocabSize}.");
            foreach (string file in new[] { "vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json" })
            {
                string src = Path.Combine(tokDir, file);
                if (File.Exists(src)) File.Copy(src, Path.Combine(dir, file));
            }
        }
        options.WriteExtraFiles?.Invoke(dir);

        string tokConfig = Path.Combine(dir, "tokenizer_config.json");
        if (!File.Exists(tokConfig)) File.WriteAllText(tokConfig, TokenizerConfigJson(config, SpecialTokenIds(Path.Combine(dir, "vocab.json"))));
        string specials = Path.Combine(dir, "special_tokens_map.json");
        if (!File.Exists(specials)) File.WriteAllText(specials, SpecialTokensMapJson());
        string card = Path.Combine(dir, "README.md");
        if (!File.Exists(card)) File.WriteAllText(card, ModelCard(config, options, folderName));
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

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

    /// <summary>The special tokens' ids in the folder's vocab.json (none when it has no vocab.json).</summary>
    private static SortedDictionary<int, string> SpecialTokenIds(string vocabPath)
    {
        var ids = new SortedDictionary<int, string>();
        if (!File.Exists(vocabPath)) return ids;
        var vocab = JsonNode.Parse(File.ReadAllText(vocabPath))!.AsObject();
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
