using Microsoft.ML;
using Microsoft.ML.Data;
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

    /// <summary>The padding id, when not set, comes from the input column's annotations (its tokenizer's), as in MaskTokens.</summary>
    private protected override GroupTextsTransformer CreateTransformer(DataViewSchema inputSchema) =>
        new(_options.ResolvedFor(SchemaChecks.RequireVector(inputSchema, _options.InputColumnName, NumberDataViewType.Int32, "GroupTexts"), "GroupTexts"));
}
