using MlNetMlm.DataView;

namespace MlNetMlm.Join;

/// <summary>Estimator for <see cref="JoinTextTransformer"/>; made by <c>mlContext.Transforms.Text.JoinText(...)</c>.</summary>
public sealed class JoinTextEstimator : MappingEstimator<JoinTextTransformer>
{
    private readonly JoinTextOptions _options;

    internal JoinTextEstimator(JoinTextOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        CreateTransformer(); // validate the options now, not at Fit time
    }

    private protected override JoinTextTransformer CreateTransformer() => new(_options);
}
