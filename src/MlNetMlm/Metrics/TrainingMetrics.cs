using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlNetMlm.Metrics;

/// <summary>One logged training interval: mean loss over the steps since the previous entry.</summary>
public sealed record TrainLogEntry(long Step, double Epoch, double Loss, double LearningRate);

/// <summary>One evaluation over the held-out data.</summary>
public sealed record EvaluationEntry(long Step, double Epoch, double Loss, double Perplexity, double Accuracy, long MaskedTokens);

/// <summary>
/// Everything the trainer measured: running training loss per logging interval, each evaluation
/// (loss, perplexity = exp(loss), masked-token accuracy), and totals. Saved with the model.
/// </summary>
public sealed class TrainingMetrics
{
    public List<TrainLogEntry> TrainLog { get; init; } = [];

    public List<EvaluationEntry> Evaluations { get; init; } = [];

    public long TotalSteps { get; set; }

    public double TrainSeconds { get; set; }

    public double TokensPerSecond { get; set; }

    /// <summary>The first evaluation (before training when <c>EvaluateBeforeTraining</c>), if any.</summary>
    [JsonIgnore]
    public EvaluationEntry? Initial => Evaluations.Count > 0 ? Evaluations[0] : null;

    /// <summary>The last evaluation, if any.</summary>
    [JsonIgnore]
    public EvaluationEntry? Final => Evaluations.Count > 0 ? Evaluations[^1] : null;

    /// <summary>The metrics as indented snake_case JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, MetricsJsonContext.Default.TrainingMetrics);

    /// <summary>Reads what <see cref="ToJson"/> wrote.</summary>
    public static TrainingMetrics FromJson(string json) =>
        JsonSerializer.Deserialize(json, MetricsJsonContext.Default.TrainingMetrics) ?? throw new InvalidDataException("metrics JSON is empty");
}
