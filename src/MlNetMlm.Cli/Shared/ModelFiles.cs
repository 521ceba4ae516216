using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.FillMask;

namespace MlNetMlm.Cli.Shared;

/// <summary>Opens a model given on the command line: an ML.NET model zip written by <c>train</c>/<c>demo</c>, or a Hugging Face folder.</summary>
internal static class ModelFiles
{
    public static bool IsHuggingFaceFolder(string path) => Directory.Exists(path);

    /// <summary>The library's rule (<c>LoadFillMask</c>), its errors as one-line CLI errors.</summary>
    public static MaskedLmTransformer Load(MLContext ml, string path, string? device = null)
    {
        try
        {
            return ml.MaskedLanguageModeling().LoadFillMask(path, device);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
        {
            throw new CliException(e.Message);
        }
    }

    /// <summary>The input schema saved with the model zip: one text column, as <see cref="FillMaskInput"/>.</summary>
    public static DataViewSchema InputSchema(MLContext ml) => ml.Data.LoadFromEnumerable(Array.Empty<FillMaskInput>()).Schema;

    public static void SaveZip(MLContext ml, MaskedLmTransformer model, string path) => ml.Model.SaveAtomically(model, InputSchema(ml), path);
}
