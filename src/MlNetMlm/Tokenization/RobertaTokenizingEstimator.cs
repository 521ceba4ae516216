using MlNetMlm.DataView;

namespace MlNetMlm.Tokenization;

/// <summary>
/// ML.NET estimator that tokenizes a text column with a <see cref="RobertaTokenizer"/> into a
/// variable-length vector of <see cref="int"/> ids (and optionally an attention mask of ones).
/// Create it with <c>mlContext.Transforms.Text.TokenizeRoberta(...)</c>. Fitting learns nothing; it only
/// checks the input schema.
/// </summary>
public sealed class RobertaTokenizingEstimator : MappingEstimator<RobertaTokenizingTransformer>
{
    private readonly TokenizeRobertaOptions _options;

    internal RobertaTokenizingEstimator(TokenizeRobertaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Validated();
    }

    private protected override RobertaTokenizingTransformer CreateTransformer() => new(_options);
}
