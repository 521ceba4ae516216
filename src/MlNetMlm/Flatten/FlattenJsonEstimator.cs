using System.Text;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetMlm.DataView;
using MlNetMlm.Json;
using MlNetMlm.MLNetInternals;

namespace MlNetMlm.Flatten;

/// <summary>
/// Estimator for <see cref="FlattenJsonTransformer"/>; made by <c>mlContext.Transforms.FlattenJson(...)</c>.
/// <c>Fit</c> reads the first <see cref="FlattenJsonOptions.InferenceRows"/> rows to learn the objects' fields
/// (unless <see cref="FlattenJsonOptions.Columns"/> gives them).
/// </summary>
/// <remarks>
/// ML.NET's <c>EstimatorChain.Fit</c> checks the columns of every step before fitting any, so a later step in
/// the same chain (such as <c>JoinText("answers.text")</c>) cannot see columns that are only inferred from data.
/// For such chains give the columns (<see cref="FlattenJsonOptions.Columns"/>, or <see cref="FlattenJsonOptions.Eli5"/>),
/// flatten while loading (<c>JsonLinesOptions.Flatten</c>), or fit this estimator first and
/// <c>Append</c> the rest to the fitted transformer.
/// </remarks>
public sealed class FlattenJsonEstimator : IEstimator<FlattenJsonTransformer>
{
    private readonly IHost _host;
    private readonly FlattenJsonOptions _options;
    private readonly FlattenJsonTransformer? _given;

    internal FlattenJsonEstimator(IHostEnvironment env, FlattenJsonOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _host = env.Register(FlattenJsonTransformer.Component);
        _options = options;
        if (options.InferenceRows < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"{FlattenJsonTransformer.Component}: InferenceRows must be at least 1, not {options.InferenceRows}.");
        if (options.Columns is { } columns)
            _given = new FlattenJsonTransformer(GroupGiven(columns, options.InputColumnNames), options.UseDouble);
    }

    private static List<FlattenedGroup> GroupGiven(IList<JsonColumn> columns, IList<string> inputs)
    {
        if (columns.Count == 0) throw new ArgumentException($"{FlattenJsonTransformer.Component}: Columns was given but is empty.", nameof(columns));
        var groups = new List<(string Input, List<JsonColumn> Columns)>();
        foreach (var column in columns)
        {
            string input = inputs.Where(i => column.Name.StartsWith(i + ".", StringComparison.Ordinal)).MaxBy(i => i.Length)
                ?? (column.Name.IndexOf('.') is > 0 and var dot ? column.Name[..dot]
                    : throw new ArgumentException($"{FlattenJsonTransformer.Component}: column '{column.Name}' has no dot; flattened columns are named input.field.", nameof(columns)));
            int at = groups.FindIndex(g => g.Input == input);
            if (at < 0) groups.Add((input, [column]));
            else groups[at].Columns.Add(column);
        }
        return groups.Select(g => new FlattenedGroup(g.Input, g.Columns)).ToList();
    }

    /// <inheritdoc/>
    public FlattenJsonTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (_given is not null)
        {
            _given.GetOutputSchema(input.Schema); // fails early, naming any missing column
            return _given;
        }
        bool auto = _options.InputColumnNames.Count == 0;
        var candidates = auto
            ? input.Schema.Where(c => !c.IsHidden && c.Type is TextDataViewType).ToList()
            : _options.InputColumnNames.Select(name => SchemaChecks.RequireText(input.Schema, name, FlattenJsonTransformer.Component)).ToList();
        if (candidates.Count == 0)
            throw new ArgumentOutOfRangeException(nameof(input), $"{FlattenJsonTransformer.Component}: no text column to flatten. Columns present: {SchemaChecks.Describe(input.Schema)}.");

        var samples = candidates.Select(c => new Sample(c)).ToList();
        int rows = 0;
        using (var cursor = input.GetRowCursor(candidates))
        {
            var getters = candidates.Select(c => cursor.GetGetter<ReadOnlyMemory<char>>(c)).ToArray();
            var text = default(ReadOnlyMemory<char>);
            while (rows < _options.InferenceRows && samples.Any(s => !s.Rejected) && cursor.MoveNext())
            {
                rows++;
                for (int i = 0; i < samples.Count; i++)
                {
                    if (samples[i].Rejected) continue;
                    getters[i](ref text);
                    samples[i].Observe(text.Span, cursor.Position, strict: !auto);
                }
            }
        }

        var groups = samples.Where(s => !s.Rejected && s.Objects > 0)
            .Select(s => new FlattenedGroup(s.Column.Name, s.Inference.Columns())).ToList();
        using var ch = _host.Start(FlattenJsonTransformer.Component);
        foreach (var sample in samples.Where(s => !s.Rejected))
        {
            if (sample.Objects == 0 && !auto) ch.Warning($"{FlattenJsonTransformer.Component}: column '{sample.Column.Name}' had no JSON object in the first {rows} row(s); nothing was flattened from it.");
        }
        if (auto && groups.Count == 0)
            throw new InvalidDataException($"{FlattenJsonTransformer.Component}: no text column holds JSON objects in the first {rows} row(s). Columns present: {SchemaChecks.Describe(input.Schema)}.");
        ch.Info($"{FlattenJsonTransformer.Component}: from {rows} row(s): {string.Join("; ", groups.Select(g => $"{g.InputColumnName} → {string.Join(", ", g.Columns.Select(c => $"{c.Name} ({c.Kind})"))}"))}.");
        return new FlattenJsonTransformer(groups, _options.UseDouble);
    }

    /// <summary>
    /// The output shape. With <see cref="FlattenJsonOptions.Columns"/> given it is exact; otherwise the
    /// flattened columns are only known after <c>Fit</c> has read data, so the input shape is returned
    /// after checking that the named input columns exist.
    /// </summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        if (_given is not null) return SchemaShapes.Map(inputSchema, _given.GetOutputSchema);
        var schema = SchemaShapes.ToSchema(inputSchema);
        foreach (var name in _options.InputColumnNames) SchemaChecks.RequireText(schema, name, FlattenJsonTransformer.Component);
        return inputSchema;
    }

    /// <summary>What <c>Fit</c> learns about one candidate column.</summary>
    private sealed class Sample(DataViewSchema.Column column)
    {
        private byte[] _utf8 = [];

        public DataViewSchema.Column Column { get; } = column;

        public JsonSchemaInference Inference { get; } = new(nest: true);

        public int Objects { get; private set; }

        /// <summary>Set when, looking for JSON columns, a value was not a JSON object.</summary>
        public bool Rejected { get; private set; }

        public void Observe(ReadOnlySpan<char> text, long position, bool strict)
        {
            text = text.Trim();
            if (text.IsEmpty) return;
            if (!strict && text[0] != '{') { Rejected = true; return; }
            int max = Encoding.UTF8.GetMaxByteCount(text.Length);
            if (_utf8.Length < max) _utf8 = new byte[max];
            var utf8 = _utf8.AsSpan(0, Encoding.UTF8.GetBytes(text, _utf8));
            try
            {
                Inference.Observe(utf8, Column.Name + ".", $"row position {position}");
                Objects++;
            }
            catch (Exception e) when (e is JsonException or JsonValueMismatchException)
            {
                if (!strict) { Rejected = true; return; }
                long at = e is JsonException json ? json.BytePositionInLine ?? 0 : ((JsonValueMismatchException)e).BytePosition;
                string problem = e is JsonException ? $"invalid JSON: {FlattenJsonTransformer.TrimJsonMessage(e.Message)}" : e.Message;
                throw new FormatException($"{FlattenJsonTransformer.Component}: column '{Column.Name}' at row position {position}, character {JsonColumnTypes.CharColumn(utf8, at)}: {problem}", e);
            }
        }
    }
}
