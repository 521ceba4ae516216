using MlNetMlm.Modeling.Modules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMlm.Modeling;

/// <summary>
/// RoBERTa with its masked-language-model head, laid out exactly like Hugging Face's
/// <c>RobertaForMaskedLM</c> so that state-dict names match HF's checkpoint keys one to one:
/// <c>roberta.embeddings.*</c>, <c>roberta.encoder.layer.N.*</c>, <c>lm_head.{dense,layer_norm,bias}</c>;
/// the decoder weight is tied to <c>roberta.embeddings.word_embeddings.weight</c>, so <c>state_dict()</c>
/// has exactly the keys of HF's <c>model.safetensors</c> (no <c>lm_head.decoder.*</c>).
/// </summary>
public sealed class RobertaForMaskedLM : nn.Module<Tensor, Tensor?, Tensor>
{
    /// <summary>
    /// Label value of positions that take no part in the loss (HF / PyTorch convention): the one definition,
    /// used by masking (unchosen tokens), batching (padding) and the loss.
    /// </summary>
    public const int IgnoreIndex = -100;

#pragma warning disable IDE1006 // names follow the checkpoint keys
    internal readonly RobertaModel roberta;
    internal readonly RobertaLMHead lm_head;
#pragma warning restore IDE1006

    public RobertaConfig Config { get; }

    // Every model is built through here: TorchSharp's native libraries are loaded (our way) before the first module.
    static RobertaForMaskedLM() => Interop.TorchRuntime.EnsureLoaded();

    /// <summary>
    /// Builds the module tree with TorchSharp's default initialisation, in the current default dtype
    /// (float32 unless changed). <c>to(dtype)</c> and <c>to(device)</c> keep the tie and every key,
    /// because the decoder reads the word-embedding table afresh at each call.
    /// Use <see cref="FromScratch"/> for HF's initialisation or <see cref="FromPretrained"/> for a checkpoint.
    /// </summary>
    public RobertaForMaskedLM(RobertaConfig config) : base(nameof(RobertaForMaskedLM))
    {
        config.Validate();
        ModelSize.CheckFitsInMemory(config, get_default_dtype() switch { ScalarType.Float64 => 8, ScalarType.Float16 or ScalarType.BFloat16 => 2, _ => 4 });
        Config = config;
        roberta = new RobertaModel(config);
        lm_head = new RobertaLMHead(config, () => roberta.embeddings.WordEmbeddingWeight);
        RegisterComponents();
    }

    /// <summary>A randomly initialised model, initialised as HF does, reproducible from <paramref name="seed"/>.</summary>
    public static RobertaForMaskedLM FromScratch(RobertaConfig config, long seed = 42)
    {
        var model = new RobertaForMaskedLM(config);
        model.InitializeWeights(seed);
        return model;
    }

    /// <summary>Loads a Hugging Face checkpoint folder; see <see cref="RobertaCheckpoint.Load"/>.</summary>
    public static RobertaForMaskedLM FromPretrained(string directory, Action<string>? log = null) =>
        RobertaCheckpoint.Load(directory, log);

    /// <summary>Writes a Hugging Face checkpoint folder; see <see cref="RobertaCheckpoint.Save"/>.</summary>
    public void SavePretrained(string directory, CheckpointSaveOptions? options = null) =>
        RobertaCheckpoint.Save(this, directory, options);

    /// <summary>Vocabulary logits at every position.</summary>
    /// <param name="inputIds">[B, T] int64 token ids.</param>
    /// <param name="attentionMask">[B, T], 1 = token, 0 = padding; when null, every id other than <c>pad_token_id</c> counts as a token.</param>
    /// <returns>[B, T, V].</returns>
    public override Tensor forward(Tensor inputIds, Tensor? attentionMask)
    {
        using var scope = NewDisposeScope();
        var hidden = Encode(inputIds, attentionMask);                                // [B, T, H]
        return lm_head.forward(hidden).MoveToOuterDisposeScope();                    // [B, T, V]
    }

    /// <summary>The encoder's last hidden states [B, T, H].</summary>
    public Tensor Encode(Tensor inputIds, Tensor? attentionMask)
    {
        using var scope = NewDisposeScope();
        CheckInput(inputIds);
        var mask = attentionMask ?? inputIds.ne(Config.PadTokenId);                   // [B, T]
        return roberta.forward(inputIds, mask).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Vocabulary logits only at the given positions: the encoder runs over the whole batch, then the
    /// hidden states at <paramref name="flatPositions"/> are gathered and only those go through the LM head
    /// (dense, GELU, layer_norm, the vocabulary-wide decoder). The same numbers as <see cref="forward"/> at
    /// those positions, at a fraction of the head's cost. Training, evaluation and fill-mask all use it.
    /// </summary>
    /// <param name="inputIds">[B, T] int64.</param>
    /// <param name="attentionMask">[B, T] or null (see <see cref="forward"/>).</param>
    /// <param name="flatPositions">[N] int64 indices into the flattened batch (row · T + column).</param>
    /// <returns>[N, V].</returns>
    public Tensor LogitsAt(Tensor inputIds, Tensor? attentionMask, Tensor flatPositions)
    {
        using var scope = NewDisposeScope();
        var hidden = Encode(inputIds, attentionMask).reshape(-1, Config.HiddenSize);  // [B·T, H]
        return lm_head.forward(hidden.index_select(0, flatPositions)).MoveToOuterDisposeScope(); // [N, V]
    }

    /// <summary>Logits [N, V] at the N positions whose label is not <see cref="IgnoreIndex"/>, and those labels [N].</summary>
    internal (Tensor Logits, Tensor Targets) LabelledLogits(Tensor inputIds, Tensor? attentionMask, Tensor labels)
    {
        var flatLabels = labels.reshape(-1).to(ScalarType.Int64);                    // [B·T]
        var picked = flatLabels.ne(IgnoreIndex).nonzero().squeeze(1);                // [N]
        return (LogitsAt(inputIds, attentionMask, picked), flatLabels.index_select(0, picked));
    }

    /// <summary>
    /// Mean cross-entropy over the positions whose label is not <see cref="IgnoreIndex"/>, as HF computes it.
    /// With <paramref name="sparseHead"/> the LM head runs only at those positions (<see cref="LogitsAt"/>)
    /// instead of at all B×T, which gives the same loss and gradients.
    /// </summary>
    /// <param name="inputIds">[B, T] int64.</param>
    /// <param name="attentionMask">[B, T] or null (see <see cref="forward"/>).</param>
    /// <param name="labels">[B, T] int64: a token id to predict, or -100.</param>
    /// <param name="sparseHead">Project to the vocabulary only at labelled positions (same result, far less work).</param>
    /// <returns>A scalar; NaN when no position is labelled (as HF).</returns>
    public Tensor ComputeLoss(Tensor inputIds, Tensor? attentionMask, Tensor labels, bool sparseHead = true)
    {
        using var scope = NewDisposeScope();
        if (!labels.shape.SequenceEqual(inputIds.shape))
            throw new ArgumentException($"labels have shape [{string.Join(", ", labels.shape)}] but input_ids have [{string.Join(", ", inputIds.shape)}].", nameof(labels));
        Tensor loss;
        if (sparseHead)
        {
            var (logits, targets) = LabelledLogits(inputIds, attentionMask, labels);  // [N, V], [N]
            loss = nn.functional.cross_entropy(logits, targets);
        }
        else
        {
            var logits = forward(inputIds, attentionMask).reshape(-1, Config.VocabSize); // [B·T, V]
            loss = nn.functional.cross_entropy(logits, labels.reshape(-1).to(ScalarType.Int64), ignore_index: IgnoreIndex);
        }
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// HF's <c>_init_weights</c>: Linear and Embedding weights ~ N(0, initializer_range), biases 0,
    /// padding rows 0, LayerNorm weight 1 and bias 0, <c>lm_head.bias</c> 0.
    /// </summary>
    public void InitializeWeights(long seed)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)seed);
        double std = Config.InitializerRange;
        foreach (var (_, module) in named_modules())
        {
            switch (module)
            {
                case Linear linear:
                    linear.weight!.normal_(0.0, std, generator);
                    linear.bias?.zero_();
                    break;
                case Embedding embedding:
                    embedding.weight!.normal_(0.0, std, generator);
                    break;
                case LayerNorm norm:
                    norm.weight!.fill_(1.0);
                    norm.bias!.zero_();
                    break;
            }
        }
        var emb = roberta.embeddings;
        emb.word_embeddings.weight![Config.PadTokenId].zero_();
        emb.position_embeddings.weight![Config.PadTokenId].zero_();
        lm_head.bias.zero_();
    }

    private void CheckInput(Tensor inputIds)
    {
        if (inputIds.dim() != 2)
            throw new ArgumentException($"input_ids must be [batch, sequence], got [{string.Join(", ", inputIds.shape)}].", nameof(inputIds));
        if (inputIds.dtype != ScalarType.Int64)
            throw new ArgumentException($"input_ids must be int64, got {inputIds.dtype}.", nameof(inputIds));
        if (inputIds.shape[1] > Config.MaxSequenceLength)
            throw new ArgumentException($"sequence of {inputIds.shape[1]} tokens is longer than this model's position table allows ({Config.MaxSequenceLength}).", nameof(inputIds));
    }
}
