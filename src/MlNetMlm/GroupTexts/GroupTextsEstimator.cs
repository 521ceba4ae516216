using MlNetMlm.DataView;

namespace MlNetMlm.GroupTexts;

/// <summary>Estimator for <see cref="GroupTextsTransformer"/>; made by <c>mlContext.Transforms.GroupTexts(...)</c>.</summary>
public sealed class GroupTextsEstimator : MappingEstimator<GroupTextsTransformer>
{
    private readonly GroupTextsOptions _options;

    internal GroupTextsEstimator(GroupTextsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        CreateTransformer(); // validate the options now, not at Fit time
    }

    private protected override GroupTextsTransformer CreateTransformer() => new(_options);
}
