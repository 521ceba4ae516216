using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.DataView;

namespace MlNetMlm.Masking;

/// <summary>Estimator for <see cref="MaskTokensTransformer"/>; made by <c>mlContext.Transforms.MaskTokens(...)</c>.</summary>
public sealed class MaskTokensEstimator : MappingEstimator<MaskTokensTransformer>
{
    private readonly MaskTokensOptions _options;

    internal MaskTokensEstimator(MaskTokensOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        CreateTransformer(); // validate the options now, not at Fit time
    }

    private protected override MaskTokensTransformer CreateTransformer() => new(_options);

    /// <summary>The ids not set in the options come from the input column's annotations (its tokenizer's).</summary>
    private protected override MaskTokensTransformer CreateTransformer(DataViewSchema inputSchema) =>
        new(_options.ResolvedFor(SchemaChecks.RequireVector(inputSchema, _options.InputColumnName, NumberDataViewType.Int32, "MaskTokens"), "MaskTokens"));
}
