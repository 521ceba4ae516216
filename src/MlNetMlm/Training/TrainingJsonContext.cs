using System.Text.Json.Serialization;

namespace MlNetMlm.Training;

/// <summary>
/// Source-generated JSON for the trainer's state (trainer_state.json; its metrics as <c>Metrics/MetricsJsonContext</c> writes them):
/// no reflection, so the library works where reflection-based serialization is off (native AOT, and .NET 10
/// file-based apps, which default to <c>PublishAot</c>). Snake-case names as Hugging Face's Trainer writes them;
/// NaN and infinity (a diverged loss) are written as the named literals rather than failing.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(TrainerState))]
internal sealed partial class TrainingJsonContext : JsonSerializerContext;
