using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.FillMask;

namespace MlNetMlm.Cli.Shared;

/// <summary>Opens a model given on the command line: an ML.NET model zip written by <c>train</c>/<c>demo</c>, or a Hugging Face folder.</summary>
internal static class ModelFiles
{
    public static bool IsHuggingFaceFolder(string path) => Directory.Exists(path);

    public static MaskedLmTransformer Load(MLContext ml, string path, string? device = null)
    {
        if (Directory.Exists(path))
        {
            if (!File.Exists(Path.Combine(path, "config.json")))
                throw new CliException($"'{path}' is a folder without config.json; --model takes a model zip or a Hugging Face model folder (config.json, model.safetensors or pytorch_model.bin, vocab.json + merges.txt or tokenizer.json).");
            var empty = ml.Data.LoadFromEnumerable(Array.Empty<FillMaskInput>());
            return ml.MaskedLanguageModeling().FillMask(path, device: device).Fit(empty);
        }
        if (!File.Exists(path)) throw new CliException($"model '{path}' not found (give a model zip or a Hugging Face model folder).");

        ITransformer loaded;
        try
        {
            loaded = ml.Model.Load(path, out _);
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or FormatException or FileNotFoundException)
        {
            throw new CliException($"'{path}' is not an ML.NET model zip that this version can read: {CommandRunner.Describe(e)}");
        }
        return loaded switch
        {
            MaskedLmTransformer model => model,
            TransformerChain<ITransformer> chain when chain.LastOrDefault() is MaskedLmTransformer last => last,
            _ => throw new CliException($"'{path}' holds a {loaded.GetType().Name}, not a masked-LM model (MaskedLmTransformer)."),
        };
    }

    /// <summary>The input schema saved with the model zip: one text column, as <see cref="FillMaskInput"/>.</summary>
    public static DataViewSchema InputSchema(MLContext ml) => ml.Data.LoadFromEnumerable(Array.Empty<FillMaskInput>()).Schema;

    public static void SaveZip(MLContext ml, MaskedLmTransformer model, string path) => ml.Model.SaveAtomically(model, InputSchema(ml), path);
}
