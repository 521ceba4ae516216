using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetMlm.DataView;
using MlNetMlm.MLNetInternals;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Masking;

/// <summary>
/// Dynamic masking for masked-LM training (Hugging Face's <c>DataCollatorForLanguageModeling</c>): adds
/// the masked ids and the labels; every cursor draws new masks (see <see cref="MaskTokensOptions.Seed"/>).
/// Training-only, on purpose: a scoring pipeline must not mask its inputs (a PredictionEngine would
/// silently corrupt them), and a row's output depends on the pass, not on the row alone. A row-to-row
/// mapper gets no <see cref="Random"/> and no notion of a pass, so fresh masks per epoch would need
/// hidden mutable state there; as a view, each cursor is one pass with its own seed.
/// </summary>
public sealed class MaskTokensTransformer : TrainingOnlyTransformer
{
    internal const string LoaderSignature = "MlNetMlmMaskTokens";
    internal static readonly ComponentFormat Format = new("MLMMASKT", LoaderSignature, 0x00010001, typeof(MaskTokensTransformer));
    private const string Name = "MaskTokens";

    private readonly int[] _specialTokenIds;
    private readonly bool[]? _isWordStart;
    private long _unseededCursors;

    internal MaskTokensTransformer(MaskTokensOptions options)
    {
        if (string.IsNullOrEmpty(options.InputColumnName))
            throw new ArgumentException($"{Name}: InputColumnName is required.", nameof(options));
        if (string.IsNullOrEmpty(options.LabelColumnName))
            throw new ArgumentException($"{Name}: LabelColumnName is required.", nameof(options));
        InputColumnName = options.InputColumnName;
        OutputColumnName = string.IsNullOrEmpty(options.OutputColumnName) ? options.InputColumnName : options.OutputColumnName;
        LabelColumnName = options.LabelColumnName;
        if (LabelColumnName == OutputColumnName)
            throw new ArgumentException($"{Name}: the masked ids and the labels are both named '{LabelColumnName}'.", nameof(options));

        CheckProbability(options.MlmProbability, nameof(options.MlmProbability));
        CheckProbability(options.MaskReplaceProbability, nameof(options.MaskReplaceProbability));
        CheckProbability(options.RandomReplaceProbability, nameof(options.RandomReplaceProbability));
        if (options.MaskReplaceProbability + options.RandomReplaceProbability > 1 + 1e-12)
            throw new ArgumentOutOfRangeException(nameof(options),
                $"{Name}: MaskReplaceProbability + RandomReplaceProbability must be at most 1, but is {options.MaskReplaceProbability + options.RandomReplaceProbability}.");
        MlmProbability = options.MlmProbability;
        MaskReplaceProbability = options.MaskReplaceProbability;
        RandomReplaceProbability = options.RandomReplaceProbability;

        if (options.VocabularySize < 1)
            throw new ArgumentOutOfRangeException(nameof(options), $"{Name}: VocabularySize must be at least 1, but is {options.VocabularySize}.");
        VocabularySize = options.VocabularySize;
        MaskTokenId = CheckId(options.MaskTokenId, nameof(options.MaskTokenId));
        _specialTokenIds = (options.SpecialTokenIds ?? []).Select(id => CheckId(id, nameof(options.SpecialTokenIds))).Distinct().Order().ToArray();
        PadTokenId = options.PadTokenId is int pad ? CheckId(pad, nameof(options.PadTokenId)) : null;
        Seed = options.Seed;

        WholeWordMasking = options.WholeWordMasking;
        if (WholeWordMasking)
        {
            if (options.IsWordStart is null)
                throw new ArgumentException($"{Name}: WholeWordMasking needs IsWordStart, the per-id word-start table (see WordStarts.FromByteLevelVocabulary).", nameof(options));
            if (options.IsWordStart.Length != VocabularySize)
                throw new ArgumentException($"{Name}: IsWordStart has {options.IsWordStart.Length} entries, but VocabularySize is {VocabularySize}.", nameof(options));
            _isWordStart = (bool[])options.IsWordStart.Clone();
        }

        var neverChosen = new bool[VocabularySize];
        foreach (int id in _specialTokenIds) neverChosen[id] = true;
        if (PadTokenId is int padId) neverChosen[padId] = true;
        Masker = new TokenMasker(neverChosen, _isWordStart, MlmProbability, MaskReplaceProbability, RandomReplaceProbability, MaskTokenId);
    }

    /// <summary>The token-id column read.</summary>
    public string InputColumnName { get; }

    /// <summary>The masked-id column written.</summary>
    public string OutputColumnName { get; }

    /// <summary>The label column written.</summary>
    public string LabelColumnName { get; }

    /// <summary>Chance that a token (or word) is chosen.</summary>
    public double MlmProbability { get; }

    /// <summary>Share of chosen tokens replaced by the mask id.</summary>
    public double MaskReplaceProbability { get; }

    /// <summary>Share of chosen tokens replaced by a random id.</summary>
    public double RandomReplaceProbability { get; }

    /// <summary>The mask id.</summary>
    public int MaskTokenId { get; }

    /// <summary>Ids lie in [0, VocabularySize); random replacements are drawn from that range.</summary>
    public int VocabularySize { get; }

    /// <summary>Ids never chosen, sorted.</summary>
    public IReadOnlyList<int> SpecialTokenIds => _specialTokenIds;

    /// <summary>The padding id (never chosen), or null.</summary>
    public int? PadTokenId { get; }

    /// <summary>Seeds cursors opened without a <see cref="Random"/>.</summary>
    public int Seed { get; }

    /// <summary>Whether whole words are chosen together.</summary>
    public bool WholeWordMasking { get; }

    internal TokenMasker Masker { get; }

    private protected override string ComponentName => Name;

    private protected override string WhyTrainingOnly =>
        "it draws new random masks on every pass, and a scoring pipeline must not mask its inputs (put <mask> in the text instead)";

    /// <summary>
    /// The key of a new cursor's masks: from <c>rand.Next()</c> when the caller gives a <see cref="Random"/>
    /// (the trainer passes one per epoch), otherwise from (Seed, number of unseeded cursors opened so far).
    /// </summary>
    internal ulong CursorKey(Random? rand)
    {
        if (rand is not null) return Xoshiro256.Mix(0x5EED_0000_0000_0000UL ^ (uint)rand.Next());
        ulong count = (ulong)(Interlocked.Increment(ref _unseededCursors) - 1);
        return Xoshiro256.Mix(Xoshiro256.Mix((uint)Seed) + count);
    }

    /// <inheritdoc/>
    public override DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var ids = SchemaChecks.RequireVector(inputSchema, InputColumnName, NumberDataViewType.Int32, Name);
        TokenIdAnnotations.Read(ids)?.RequireAgreement(Name, $"column '{InputColumnName}'", "Fit MaskTokens on data of this tokenizer.",
            VocabularySize, MaskTokenId, true, PadTokenId, _specialTokenIds, "this fitted MaskTokens");
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        // Same vector size as the input (fixed for blocks); the masked ids carry the ids used, for the trainer.
        builder.AddColumn(OutputColumnName, ids.Type, new TokenIdAnnotations(VocabularySize, MaskTokenId, PadTokenId, _specialTokenIds).ToAnnotations());
        builder.AddColumn(LabelColumnName, ids.Type);
        return builder.ToSchema();
    }

    /// <inheritdoc/>
    public override IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var ids = SchemaChecks.RequireVector(input.Schema, InputColumnName, NumberDataViewType.Int32, Name);
        return new MaskedDataView(input, this, ids, GetOutputSchema(input.Schema));
    }

    private static void CheckProbability(double value, string name)
    {
        if (!(value >= 0 && value <= 1))
            throw new ArgumentOutOfRangeException(name, $"{Name}: {name} must lie in [0, 1], but is {value}.");
    }

    private int CheckId(int id, string name)
    {
        if ((uint)id >= (uint)VocabularySize)
            throw new ArgumentOutOfRangeException(name, $"{Name}: {name} holds id {id}, outside [0, VocabularySize={VocabularySize}).");
        return id;
    }

    private protected override void SaveModel(ModelSaveContext ctx) => ModelStore.Save(ctx, Format, w =>
    {
        w.Write(InputColumnName);
        w.Write(OutputColumnName);
        w.Write(LabelColumnName);
        var values = w.Values;
        values.Write(MlmProbability);
        values.Write(MaskReplaceProbability);
        values.Write(RandomReplaceProbability);
        values.Write(MaskTokenId);
        values.Write(VocabularySize);
        values.Write(_specialTokenIds.Length);
        foreach (int id in _specialTokenIds) values.Write(id);
        values.Write(PadTokenId.HasValue);
        values.Write(PadTokenId ?? 0);
        values.Write(Seed);
        values.Write(WholeWordMasking);
        if (_isWordStart is not null)
        {
            // One bit per id: about 6 KB for a 50k vocabulary.
            var bits = new byte[(_isWordStart.Length + 7) / 8];
            for (int i = 0; i < _isWordStart.Length; i++)
                if (_isWordStart[i]) bits[i >> 3] |= (byte)(1 << (i & 7));
            values.Write(bits);
        }
    });

    internal static MaskTokensTransformer Create(IHostEnvironment env, ModelLoadContext ctx) => ModelStore.Load(ctx, Format, r =>
    {
        var options = new MaskTokensOptions
        {
            InputColumnName = r.ReadString(),
            OutputColumnName = r.ReadString(),
            LabelColumnName = r.ReadString(),
        };
        var values = r.Values;
        options.MlmProbability = values.ReadDouble();
        options.MaskReplaceProbability = values.ReadDouble();
        options.RandomReplaceProbability = values.ReadDouble();
        options.MaskTokenId = values.ReadInt32();
        options.VocabularySize = values.ReadInt32();
        options.SpecialTokenIds = new int[values.ReadInt32()];
        for (int i = 0; i < options.SpecialTokenIds.Length; i++) options.SpecialTokenIds[i] = values.ReadInt32();
        bool hasPad = values.ReadBoolean();
        int pad = values.ReadInt32();
        options.PadTokenId = hasPad ? pad : null;
        options.Seed = values.ReadInt32();
        options.WholeWordMasking = values.ReadBoolean();
        if (options.WholeWordMasking)
        {
            var bits = values.ReadBytes((options.VocabularySize + 7) / 8);
            options.IsWordStart = new bool[options.VocabularySize];
            for (int i = 0; i < options.VocabularySize; i++) options.IsWordStart[i] = (bits[i >> 3] & (1 << (i & 7))) != 0;
        }
        return new MaskTokensTransformer(options);
    });
}
