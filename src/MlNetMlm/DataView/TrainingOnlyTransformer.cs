using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.DataView;

/// <summary>
/// Base of MlNetMlm's training-only transformers (group texts, mask tokens): their output is not a
/// function of one input row (rows are merged, or drawn at random per pass), so they have no
/// row-to-row mapper and cannot run in a <see cref="PredictionEngine{TSrc, TDst}"/>. They still save
/// and load, so a fitted pipeline that holds them can be stored; append them with
/// <see cref="TransformerScope.Training"/> and score with <c>model.GetModelFor(TransformerScope.Scoring)</c>.
/// Note that since ML.NET 2.0 a fitted chain's <c>Transform(data)</c> runs only its Scoring-scope steps:
/// training code must call <c>chain.Transform(data, TransformerScope.Training)</c>.
/// </summary>
public abstract class TrainingOnlyTransformer : ITransformer
{
    private protected TrainingOnlyTransformer() { }

    /// <summary>The component's name in messages, e.g. <c>GroupTexts</c>.</summary>
    private protected abstract string ComponentName { get; }

    /// <summary>Why the output is not row-to-row, for the message of <see cref="GetRowToRowMapper"/>.</summary>
    private protected abstract string WhyTrainingOnly { get; }

    /// <summary>Writes the transformer's state into ML.NET's model zip.</summary>
    private protected abstract void SaveModel(ModelSaveContext ctx);

    /// <inheritdoc/>
    public bool IsRowToRowMapper => false;

    /// <inheritdoc/>
    public abstract DataViewSchema GetOutputSchema(DataViewSchema inputSchema);

    /// <inheritdoc/>
    public abstract IDataView Transform(IDataView input);

    /// <summary>Always throws: this transformer is training-only (see the class summary).</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        throw new InvalidOperationException(TrainingOnlyMessage);

    internal string TrainingOnlyMessage =>
        $"{ComponentName} is training-only: {WhyTrainingOnly}, so it cannot run row by row (PredictionEngine, scoring). " +
        $"Append it with TransformerScope.Training, e.g. estimator.Append(mlContext.Transforms.{ComponentName}(...), TransformerScope.Training), " +
        "read training data with model.Transform(data, TransformerScope.Training), and score with model.GetModelFor(TransformerScope.Scoring).";

    void ICanSaveModel.Save(ModelSaveContext ctx) => SaveModel(ctx);
}
