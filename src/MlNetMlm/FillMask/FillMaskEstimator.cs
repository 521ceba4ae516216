using Microsoft.ML;
using MlNetMlm.DataView;
using MlNetMlm.Interop;
using MlNetMlm.Modeling;
using MlNetMlm.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMlm.FillMask;

/// <summary>
/// Fill-mask with a ready model, no training: loads a Hugging Face checkpoint folder (weights and
/// tokenizer files). Made by <c>mlContext.MaskedLanguageModeling().FillMask(directory)</c>.
/// </summary>
public sealed class FillMaskEstimator : MappingEstimator<MaskedLmTransformer>
{
    private readonly string _directory;
    private readonly FillMaskOptions _options;
    private readonly string? _device;

    internal FillMaskEstimator(string directory, FillMaskOptions? options, string? device)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"FillMask: model folder '{directory}' does not exist.");
        _directory = directory;
        _options = options?.Clone() ?? new FillMaskOptions();
        _device = device;
    }

    // Each Fit loads its own model (the caller owns and disposes it).
    private protected override MaskedLmTransformer CreateTransformer()
    {
        var device = TorchDevices.Resolve(_device);
        var model = RobertaForMaskedLM.FromPretrained(_directory);
        model.to(device);
        return new MaskedLmTransformer(model, RobertaTokenizer.FromDirectory(_directory), _options, metrics: null, device);
    }

    // The schema follows from the options alone: no need to read the checkpoint for it.
    private protected override DataViewSchema OutputSchema(DataViewSchema inputSchema)
    {
        SchemaChecks.RequireText(inputSchema, _options.TextColumnName, "FillMask");
        return MaskedLmTransformer.OutputSchemaFor(inputSchema, _options);
    }
}
