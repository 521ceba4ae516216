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
    private MaskedLmTransformer? _loaded;

    internal FillMaskEstimator(string directory, FillMaskOptions? options, string? device)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"FillMask: model folder '{directory}' does not exist.");
        _directory = directory;
        _options = options?.Clone() ?? new FillMaskOptions();
        _device = device;
    }

    // The checkpoint is read once; Fit and GetOutputSchema share it.
    private protected override MaskedLmTransformer CreateTransformer()
    {
        if (_loaded is not null) return _loaded;
        var device = TorchDevices.Resolve(_device);
        var model = RobertaForMaskedLM.FromPretrained(_directory);
        model.to(device);
        return _loaded = new MaskedLmTransformer(model, RobertaTokenizer.FromDirectory(_directory), _options, metrics: null, device);
    }
}
