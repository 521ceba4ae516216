using System.Text.Json;
using MlNetMlm.Files;
using MlNetMlm.Tokenization;
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

    /// <summary>A tokenizer whose vocab.json and merges.txt are written straight from memory (instead of <see cref="TokenizerDirectory"/>).</summary>
    internal RobertaTokenizer? Tokenizer { get; init; }

    /// <summary>More files, each written through a stream (training checkpoints: optimizer.bin, trainer_state.json).</summary>
    internal IReadOnlyList<(string Name, Action<Stream> Write)> ExtraFiles { get; init; } = [];
}

/// <summary>
/// Loads and saves Hugging Face checkpoint folders for <see cref="RobertaForMaskedLM"/>: config.json first,
/// then <see cref="CheckpointReader"/> describes the stored tensors, <see cref="CheckpointValidator"/> checks
/// every name, shape and dtype against the config before the model is built, and only then are the weights
/// read and copied, so a failed load never allocates a model it cannot fill, nor leaves one half-filled.
/// Saving goes through <see cref="HuggingFaceFolderWriter"/> into a folder written whole.
/// </summary>
public static class RobertaCheckpoint
{
    public const string ConfigFile = "config.json";
    public const string SafetensorsFileName = CheckpointReader.SafetensorsFileName;
    public const string SafetensorsIndexFile = CheckpointReader.SafetensorsIndexFile;
    public const string PytorchFile = CheckpointReader.PytorchFile;
    public const string PytorchIndexFile = CheckpointReader.PytorchIndexFile;

    /// <summary>
    /// Loads <c>config.json</c> and the weights (<c>model.safetensors</c>, preferred, or <c>pytorch_model.bin</c>,
    /// either possibly sharded with an <c>*.index.json</c>). Returns the model in eval mode.
    /// </summary>
    /// <param name="directory">The checkpoint folder.</param>
    /// <param name="log">Receives notes about keys that were accepted but not used; defaults to <see cref="System.Diagnostics.Trace"/>.</param>
    /// <exception cref="CheckpointException">missing/unexpected keys, shape or dtype mismatches, unreadable or truncated files, a vocabulary larger than the model's, a model larger than memory.</exception>
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

        using var stored = CheckpointReader.Open(directory);
        CheckpointValidator.Check(config, stored);
        RobertaForMaskedLM? model = null;
        try
        {
            model = new RobertaForMaskedLM(config);
            stored.ReadData();
            CopyInto(model, stored, log);
            model.eval();
            return model;
        }
        catch (InvalidDataException e) when (model is null)
        {
            throw new CheckpointException(e.Message.Replace("config.json:", configPath + ":", StringComparison.Ordinal), e);
        }
        catch
        {
            model?.Dispose();
            throw;
        }
    }

    /// <summary>Copies the checked tensors into the fresh model and logs what was stored but is not used.</summary>
    private static void CopyInto(RobertaForMaskedLM model, StoredWeights stored, Action<string> log)
    {
        var target = model.state_dict();
        using (no_grad())
        {
            foreach (var (key, param) in target)
                param.copy_(stored.Tensors[key].Data!);
        }
        foreach (string key in stored.Tensors.Keys.Where(k => !target.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal))
        {
            var entry = stored.Tensors[key];
            string? owner = key == CheckpointValidator.DecoderWeight ? CheckpointValidator.WordEmbeddings : key == CheckpointValidator.DecoderBias ? CheckpointValidator.LmHeadBias : null;
            if (owner is null)
            {
                log($"checkpoint: ignored '{key}' from {Path.GetFileName(entry.File)} (not used by a masked LM).");
                continue;
            }
            using var scope = NewDisposeScope();
            double diff = entry.Data!.to(ScalarType.Float64).sub(target[owner].to(ScalarType.Float64)).abs().max().item<double>();
            log(diff == 0
                ? $"checkpoint: '{key}' is stored and equals '{owner}', to which it is tied."
                : $"checkpoint: '{key}' differs from '{owner}' (max abs diff {diff:G3}); the decoder is tied, so '{owner}' is used, as Hugging Face does.");
        }
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
            return checked(max + 1);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or OverflowException)
        {
            throw new CheckpointException($"{vocabPath}: not a token → id JSON object ({e.Message}).", e);
        }
    }

    /// <summary>
    /// Writes an HF-format folder that Python <c>transformers</c> loads unchanged (see <see cref="HuggingFaceFolderWriter"/>).
    /// The folder is written beside the target and moved into place at the end; an existing non-empty folder
    /// is replaced only with <see cref="CheckpointSaveOptions.Overwrite"/>.
    /// </summary>
    public static void Save(RobertaForMaskedLM model, string directory, CheckpointSaveOptions? options = null)
    {
        options ??= new CheckpointSaveOptions();
        string name = Path.GetFileName(Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar));
        AtomicDirectory.Write(directory, temp =>
        {
            HuggingFaceFolderWriter.Write(model, options, name,
                (file, write) => { using var s = new FileStream(Path.Combine(temp, file), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16); write(s); s.Flush(flushToDisk: true); },
                beforeDefaults: () =>
                {
                    options.WriteExtraFiles?.Invoke(temp);
                    return Directory.EnumerateFiles(temp).Select(Path.GetFileName)!;
                });
        }, options.Overwrite);
    }
}
