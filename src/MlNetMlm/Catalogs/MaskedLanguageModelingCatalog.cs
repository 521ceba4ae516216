using Microsoft.ML;
using Microsoft.ML.Runtime;
using MlNetMlm.FillMask;
using MlNetMlm.Training;

namespace MlNetMlm;

/// <summary>
/// Masked-language-model training and fill-mask: <c>mlContext.MaskedLanguageModeling()</c>.
/// </summary>
public sealed class MaskedLanguageModelingCatalog
{
    private readonly IHostEnvironment _env;

    internal MaskedLanguageModelingCatalog(IHostEnvironment env) => _env = env;

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
