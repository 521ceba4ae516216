using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetMlm.Metrics;
using MlNetMlm.DataView;
using MlNetMlm.Interop;
using MlNetMlm.MLNetInternals;
using MlNetMlm.Modeling;
using MlNetMlm.Tokenization;
using static TorchSharp.torch;

namespace MlNetMlm.FillMask;

/// <summary>
/// A trained (or loaded) RoBERTa masked language model as a row-to-row ML.NET transformer: for each
/// text with <c>&lt;mask&gt;</c> it adds the top-k candidate tokens, their ids, probabilities and the
/// filled-in texts — HF's <c>pipeline("fill-mask")</c> — so it works with <c>PredictionEngine</c>
/// (<see cref="FillMaskInput"/> → <see cref="FillMaskPrediction"/>). Saved whole in ML.NET's model zip
/// (config, weights, tokenizer files, training metrics).
/// </summary>
public sealed class MaskedLmTransformer : RowMappingTransformer, IDisposable
{
    internal const string LoaderSignature = "MlNetMlmMaskedLm";
    internal static readonly ComponentFormat Format = new("MLMMASKL", LoaderSignature, 0x00010001, typeof(MaskedLmTransformer));
    private const string Component = "FillMask";

    private readonly FillMaskOptions _options;
    private readonly FillMaskEngine _engine;
    private readonly ConditionalWeakTable<DataViewRow, RowResult> _rowResults = new();

    internal MaskedLmTransformer(RobertaForMaskedLM model, RobertaTokenizer tokenizer, FillMaskOptions options, TrainingMetrics? metrics, Device device)
    {
        Model = model;
        Tokenizer = tokenizer;
        _options = options.Clone();
        Metrics = metrics;
        Device = device;
        _engine = new FillMaskEngine(model, tokenizer, device, options.TopK, options.Targets, options.Precision);
        model.eval();
    }

    /// <summary>The model (TorchSharp module, HF parameter names).</summary>
    public RobertaForMaskedLM Model { get; }

    /// <summary>The tokenizer the model was trained with.</summary>
    public RobertaTokenizer Tokenizer { get; }

    /// <summary>What training measured (loss history, evaluations); null for a model loaded without training.</summary>
    public TrainingMetrics? Metrics { get; }

    /// <summary>Where the model runs.</summary>
    public Device Device { get; }

    /// <summary>The token-id column of the training blocks (null when not trained here).</summary>
    internal string? TrainingInputColumnName { get; init; }

    /// <summary>The fill-mask options (a copy).</summary>
    public FillMaskOptions Options => _options.Clone();

    /// <summary>Fills the masks of each text; candidates per mask, best first. Batched on the device.</summary>
    public IReadOnlyList<IReadOnlyList<FillMaskCandidate>>[] FillMask(IReadOnlyList<string> texts) => _engine.Predict(texts);

    /// <summary>Fills the masks of one text.</summary>
    public IReadOnlyList<IReadOnlyList<FillMaskCandidate>> FillMask(string text) => _engine.Predict([text])[0];

    /// <summary>
    /// Fills the masks of each text with another top-k, target list or precision than the transformer's options
    /// (for example a command line's <c>--top-k</c> on a saved model); the model is shared, not copied.
    /// </summary>
    /// <param name="texts">Texts with one or more <c>&lt;mask&gt;</c>.</param>
    /// <param name="topK">Candidates per mask.</param>
    /// <param name="targets">Words to score instead of the whole vocabulary (see <see cref="FillMaskOptions.Targets"/>).</param>
    /// <param name="precision">The compute format; null: the options' <see cref="FillMaskOptions.Precision"/>.</param>
    public IReadOnlyList<IReadOnlyList<FillMaskCandidate>>[] FillMask(IReadOnlyList<string> texts, int topK, IReadOnlyList<string>? targets = null, Precision? precision = null)
    {
        using var engine = new FillMaskEngine(Model, Tokenizer, Device, topK, targets, precision ?? _options.Precision);
        return engine.Predict(texts);
    }

    /// <summary>
    /// One warning for each target word that is not a single token of the model's vocabulary: such a word is
    /// scored as its first token only (as in Hugging Face's fill-mask pipeline, which warns too).
    /// </summary>
    public IReadOnlyList<string> TargetWarnings(IReadOnlyList<string> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var warnings = new List<string>();
        FillMaskEngine.ResolveTargets(Tokenizer, targets, warnings.Add);
        return warnings;
    }

    /// <summary>Writes a Hugging Face model folder (config, safetensors weights, tokenizer files, model card).</summary>
    public void ExportHuggingFace(string directory, bool overwrite = false, string? trainedOn = null) =>
        Model.SavePretrained(directory, SaveOptions(overwrite, trainedOn));

    private CheckpointSaveOptions SaveOptions(bool overwrite, string? trainedOn)
    {
        var final = Metrics?.Final;
        return new CheckpointSaveOptions
        {
            Overwrite = overwrite,
            Tokenizer = Tokenizer,
            TrainedOn = trainedOn,
            Metrics = final is null ? null : new Dictionary<string, double>
            {
                ["eval_loss"] = final.Loss, ["perplexity"] = final.Perplexity, ["masked_accuracy"] = final.Accuracy,
            },
        };
    }

    internal static DataViewSchema OutputSchemaFor(DataViewSchema input, FillMaskOptions o)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        foreach (var (name, type) in OutputTypes(o)) builder.AddColumn(name, type);
        return builder.ToSchema();
    }

    private static IEnumerable<(string Name, DataViewType Type)> OutputTypes(FillMaskOptions o) =>
    [
        (o.TokensColumnName, new VectorDataViewType(TextDataViewType.Instance)),
        (o.TokenIdsColumnName, new VectorDataViewType(NumberDataViewType.Int32)),
        (o.ScoresColumnName, new VectorDataViewType(NumberDataViewType.Single)),
        (o.SequencesColumnName, new VectorDataViewType(TextDataViewType.Instance)),
        (o.MaskCountColumnName, NumberDataViewType.Int32),
    ];

    /// <summary>The fill-mask result of one row, computed once for all output columns.</summary>
    private sealed class RowResult
    {
        public long Position = long.MinValue;
        public string? Text;
        public IReadOnlyList<IReadOnlyList<FillMaskCandidate>> PerMask = [];
    }

    private IReadOnlyList<IReadOnlyList<FillMaskCandidate>> ResultFor(DataViewRow row, ValueGetter<ReadOnlyMemory<char>> text, ref ReadOnlyMemory<char> buffer)
    {
        var cache = _rowResults.GetValue(row, _ => new RowResult());
        text(ref buffer);
        if (cache.Position != row.Position || cache.Text is null || !buffer.Span.SequenceEqual(cache.Text))
        {
            cache.Text = buffer.ToString();
            cache.PerMask = _engine.Predict([cache.Text])[0];
            cache.Position = row.Position;
        }
        return cache.PerMask;
    }

    private protected override IReadOnlyList<OutputColumn> AddedColumns(DataViewSchema inputSchema)
    {
        // EstimatorChain.Fit also transforms the training blocks it trained on, which hold token ids
        // and no text: pass those through unchanged rather than fail after a successful training.
        if (inputSchema.GetColumnOrNull(_options.TextColumnName) is null && TrainingInputColumnName is { } ids && inputSchema.GetColumnOrNull(ids) is not null)
            return [];
        var input = SchemaChecks.RequireText(inputSchema, _options.TextColumnName, Component);
        OutputColumn Vector<T>(string name, DataViewType type, Func<FillMaskCandidate, T> pick) =>
            OutputColumn.Create<VBuffer<T>>(name, type, [input], row =>
            {
                var text = row.GetGetter<ReadOnlyMemory<char>>(input);
                ReadOnlyMemory<char> buffer = default;
                return (ref VBuffer<T> value) =>
                {
                    var items = ResultFor(row, text, ref buffer).SelectMany(c => c).Select(pick).ToArray();
                    value = new VBuffer<T>(items.Length, items);
                };
            });
        var types = OutputTypes(_options).ToDictionary(x => x.Name, x => x.Type);
        return
        [
            Vector(_options.TokensColumnName, types[_options.TokensColumnName], c => c.TokenStr.AsMemory()),
            Vector(_options.TokenIdsColumnName, types[_options.TokenIdsColumnName], c => c.Token),
            Vector(_options.ScoresColumnName, types[_options.ScoresColumnName], c => c.Score),
            Vector(_options.SequencesColumnName, types[_options.SequencesColumnName], c => c.Sequence.AsMemory()),
            OutputColumn.Create<int>(_options.MaskCountColumnName, NumberDataViewType.Int32, [input], row =>
            {
                var text = row.GetGetter<ReadOnlyMemory<char>>(input);
                ReadOnlyMemory<char> buffer = default;
                return (ref int value) => value = ResultFor(row, text, ref buffer).Count;
            }),
        ];
    }

    // ---- ML.NET model zip ----

    private const string HfPrefix = "hf/";
    private static readonly string[] HfFiles =
        ["config.json", "model.safetensors", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"];

    private protected override void SaveModel(ModelSaveContext ctx) => ModelStore.Save(ctx, Format, w =>
    {
        w.Write(_options.TextColumnName);
        w.Values.Write(_options.TopK);
        w.Values.Write(_options.Targets?.Count ?? -1);
        foreach (var target in _options.Targets ?? []) w.Write(target);
        w.Write(_options.TokensColumnName);
        w.Write(_options.TokenIdsColumnName);
        w.Write(_options.ScoresColumnName);
        w.Write(_options.SequencesColumnName);
        w.Write(_options.MaskCountColumnName);
        w.Write(Metrics?.ToJson(), nullable: true);
        w.Write(TrainingInputColumnName, nullable: true);
        // The Hugging Face files go straight into the zip's entries: no folder on disk.
        HuggingFaceFolderWriter.Write(Model, SaveOptions(overwrite: false, trainedOn: null), "model",
            (file, write) => { if (HfFiles.Contains(file)) w.WriteBlob(HfPrefix + file, write); });
    });

    internal static MaskedLmTransformer Create(IHostEnvironment env, ModelLoadContext ctx) => ModelStore.Load(ctx, Format, r =>
    {
        var options = new FillMaskOptions { TextColumnName = r.ReadString(), TopK = r.Values.ReadInt32() };
        int targets = r.Values.ReadInt32();
        if (targets >= 0) options.Targets = Enumerable.Range(0, targets).Select(_ => r.ReadString()).ToList();
        options.TokensColumnName = r.ReadString();
        options.TokenIdsColumnName = r.ReadString();
        options.ScoresColumnName = r.ReadString();
        options.SequencesColumnName = r.ReadString();
        options.MaskCountColumnName = r.ReadString();
        var metricsJson = r.ReadNullableString();
        var trainingInput = r.ReadNullableString();
        string folder = Path.Combine(Path.GetTempPath(), $"mlnetmlm-load-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            foreach (var file in HfFiles)
                r.ReadBlob(HfPrefix + file, stream =>
                {
                    using var target = File.Create(Path.Combine(folder, file));
                    stream.CopyTo(target);
                    return true;
                });
            var model = RobertaForMaskedLM.FromPretrained(folder);
            var tokenizer = RobertaTokenizer.FromDirectory(folder);
            var device = TorchDevices.Resolve("cpu");
            return new MaskedLmTransformer(model, tokenizer, options, metricsJson is null ? null : TrainingMetrics.FromJson(metricsJson), device)
            {
                TrainingInputColumnName = trainingInput,
            };
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    });

    /// <summary>Frees the model's tensors.</summary>
    public void Dispose()
    {
        _engine.Dispose();
        Model.Dispose();
    }
}
