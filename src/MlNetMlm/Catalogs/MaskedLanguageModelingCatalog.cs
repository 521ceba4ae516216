using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetMlm.FillMask;
using MlNetMlm.Training;

namespace MlNetMlm;

/// <summary>
/// Masked-language-model training and fill-mask: <c>mlContext.MaskedLanguageModeling()</c>.
/// </summary>
public sealed class MaskedLanguageModelingCatalog
{
    private readonly MLContext _ml;
    private readonly IHostEnvironment _env;

    internal MaskedLanguageModelingCatalog(MLContext ml) => (_ml, _env) = (ml, ml);

    /// <summary>
    /// Trains a RoBERTa masked LM on blocks of token ids with labels (the output of
    /// <c>TokenizeRoberta → GroupTexts → MaskTokens</c>) and returns a fill-mask transformer.
    /// </summary>
    public MaskedLmTrainer Trainer(MaskedLmTrainerOptions options) => new(_env, options);

    /// <summary>Fill-mask with a Hugging Face checkpoint folder, without training.</summary>
    /// <param name="modelDirectory">config.json, model.safetensors or pytorch_model.bin, vocab.json and merges.txt (or tokenizer.json).</param>
    /// <param name="options">Top-k, targets and column names; defaults as <see cref="FillMaskOptions"/>.</param>
    /// <param name="device"><c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>; null picks CUDA when available.</param>
    public FillMaskEstimator FillMask(string modelDirectory, FillMaskOptions? options = null, string? device = null) =>
        new(modelDirectory, options, device);

    /// <summary>
    /// Opens a model for fill-mask: an ML.NET model zip saved with a <see cref="MaskedLmTransformer"/> (alone or
    /// last in a chain), or a Hugging Face checkpoint folder. The caller owns (and disposes) the result.
    /// </summary>
    /// <param name="modelPath">A model zip, or a folder with config.json, weights and tokenizer files.</param>
    /// <param name="device">For a folder: <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>; null picks CUDA when available. A zip loads on the CPU.</param>
    /// <exception cref="FileNotFoundException">The path does not exist, or the folder has no config.json.</exception>
    /// <exception cref="InvalidDataException">The file is not a model zip this version reads, or holds no masked-LM model.</exception>
    public MaskedLmTransformer LoadFillMask(string modelPath, string? device = null)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        var ml = _ml;
        if (Directory.Exists(modelPath))
        {
            if (!File.Exists(Path.Combine(modelPath, "config.json")))
                throw new FileNotFoundException($"'{modelPath}' is a folder without config.json; give a model zip or a Hugging Face model folder (config.json, model.safetensors or pytorch_model.bin, vocab.json + merges.txt or tokenizer.json).", Path.Combine(modelPath, "config.json"));
            return FillMask(modelPath, device: device).Fit(ml.Data.LoadFromEnumerable(Array.Empty<FillMaskInput>()));
        }
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"model '{modelPath}' not found (give a model zip or a Hugging Face model folder).", modelPath);

        ITransformer loaded;
        try
        {
            loaded = ml.Model.Load(modelPath, out _);
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or FormatException or FileNotFoundException)
        {
            throw new InvalidDataException($"'{modelPath}' is not an ML.NET model zip that this version can read: {e.Message}", e);
        }
        return loaded switch
        {
            MaskedLmTransformer model => model,
            TransformerChain<ITransformer> chain when chain.LastOrDefault() is MaskedLmTransformer last => last,
            _ => throw new InvalidDataException($"'{modelPath}' holds a {loaded.GetType().Name}, not a masked-LM model (MaskedLmTransformer)."),
        };
    }
}

/// <summary>Entry point of MlNetMlm's model catalog on <see cref="MLContext"/>.</summary>
public static class MaskedLanguageModelingExtensions
{
    /// <summary>MlNetMlm's masked-language-model trainer and fill-mask components.</summary>
    public static MaskedLanguageModelingCatalog MaskedLanguageModeling(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new MaskedLanguageModelingCatalog(mlContext);
    }
}
