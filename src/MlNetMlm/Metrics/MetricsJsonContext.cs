using System.Text.Json.Serialization;

namespace MlNetMlm.Metrics;

/// <summary>
/// Source-generated JSON for <see cref="TrainingMetrics"/> (in the model zip and metrics.json), with the same
/// settings as the trainer's state (<c>Training/TrainingJsonContext</c>): no reflection, snake_case, NaN as a literal.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(TrainingMetrics))]
internal sealed partial class MetricsJsonContext : JsonSerializerContext;
