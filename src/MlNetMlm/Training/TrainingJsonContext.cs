using System.Text.Json.Serialization;

namespace MlNetMlm.Training;

/// <summary>
/// Source-generated JSON for what the trainer stores (metrics in the model zip and metrics.json, trainer_state.json):
/// no reflection, so the library works where reflection-based serialization is off (native AOT, and .NET 10
/// file-based apps, which default to <c>PublishAot</c>). Snake-case names as Hugging Face's Trainer writes them;
/// NaN and infinity (a diverged loss) are written as the named literals rather than failing.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(TrainingMetrics))]
[JsonSerializable(typeof(TrainerState))]
internal sealed partial class TrainingJsonContext : JsonSerializerContext;
