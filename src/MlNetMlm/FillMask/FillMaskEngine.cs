using MlNetMlm.Modeling;
using MlNetMlm.Tokenization;
using static TorchSharp.torch;

namespace MlNetMlm.FillMask;

/// <summary>
/// The fill-mask computation of HF's <c>pipeline("fill-mask")</c>: tokenize with special tokens,
/// run the model, softmax over the vocabulary at each <c>&lt;mask&gt;</c>, keep the top k (optionally
/// among target words), and decode each candidate alone and in its sentence. Texts are batched
/// (padded) on the device; logits are computed only at mask positions.
/// </summary>
internal sealed class FillMaskEngine : IDisposable
{
    private readonly RobertaForMaskedLM _model;
    private readonly RobertaTokenizer _tokenizer;
    private readonly Device _device;
    private readonly int _topK;
    private readonly long[]? _targetIds;
    private readonly Precision _precision;
    private readonly Autocast.WeightCopies _copies = new();   // bfloat16 weights, made at the first prediction

    public FillMaskEngine(RobertaForMaskedLM model, RobertaTokenizer tokenizer, Device device, int topK, IReadOnlyList<string>? targets, Precision precision = Precision.Float32)
    {
        _precision = precision;
        if (topK <= 0) throw new ArgumentOutOfRangeException(nameof(topK), $"TopK must be positive (got {topK}).");
        _model = model;
        _tokenizer = tokenizer;
        _device = device;
        _topK = topK;
        _targetIds = targets is null ? null : TargetIds(tokenizer, targets);
    }

    /// <summary>HF's rule: a target that is a vocabulary entry is taken as is, else its first token.</summary>
    private static long[] TargetIds(RobertaTokenizer tokenizer, IReadOnlyList<string> targets) => ResolveTargets(tokenizer, targets, null);

    /// <summary>
    /// The ids that <paramref name="targets"/> are scored as; <paramref name="warn"/> hears of each target that is
    /// several tokens, so only its first is scored (Hugging Face's pipeline warns there too).
    /// </summary>
    internal static long[] ResolveTargets(RobertaTokenizer tokenizer, IReadOnlyList<string> targets, Action<string>? warn)
    {
        if (targets.Count == 0) throw new ArgumentException("Targets is empty; give at least one word, or null for the whole vocabulary.", nameof(targets));
        var ids = new List<long>();
        foreach (var target in targets)
        {
            if (!tokenizer.TryConvertTokenToId(target, out int id))
            {
                var pieces = tokenizer.EncodeToIds(target, addSpecialTokens: false);
                if (pieces.Length == 0) throw new ArgumentException($"Target '{target}' gives no token.", nameof(targets));
                id = pieces[0];
                if (pieces.Length > 1) warn?.Invoke($"target \"{target}\" is not one token of the model's vocabulary but {pieces.Length} " +
                    $"({string.Join(" + ", pieces.Select(p => $"\"{tokenizer.Decode([p])}\""))}); only its first token, \"{tokenizer.Decode([id])}\", is scored.");
            }
            if (!ids.Contains(id)) ids.Add(id);
        }
        return ids.ToArray();
    }

    /// <summary>Candidates per mask, per text.</summary>
    public IReadOnlyList<IReadOnlyList<FillMaskCandidate>>[] Predict(IReadOnlyList<string> texts)
    {
        var encoded = texts.Select(Encode).ToArray();
        var results = new IReadOnlyList<IReadOnlyList<FillMaskCandidate>>[texts.Count];
        if (texts.Count == 0) return results;
        var padded = new PaddedBatch(encoded.Select(e => e.Ids.Length));
        var ids = padded.Ids(r => encoded[r].Ids, _tokenizer.PadId);
        var attention = padded.AttentionMask();
        var positions = encoded.SelectMany((e, r) => e.MaskPositions.Select(p => padded.FlatIndex(r, p))).ToArray();

        float[] scores;
        long[] candidates;
        int k;
        // Engines made per call (another top-k or targets) share the model: one forward at a time per model.
        lock (_model)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            using var autocast = Autocast.Enter(_precision, _copies);
            if (_model.training) _model.eval();
            var input = tensor(ids, padded.Shape, device: _device);
            var mask = tensor(attention, padded.Shape, device: _device);
            var logits = _model.LogitsAt(input, mask, tensor(positions, device: _device));           // [M, V]
            var probs = nn.functional.softmax(logits.to_type(ScalarType.Float32), 1);                  // [M, V]
            Tensor top, topIds;
            if (_targetIds is null)
            {
                k = Math.Min(_topK, (int)probs.shape[1]);
                (top, topIds) = probs.topk(k, dim: 1);
            }
            else
            {
                var targetTensor = tensor(_targetIds, device: _device);
                var restricted = probs.index_select(1, targetTensor);                                   // [M, targets]
                k = Math.Min(_topK, _targetIds.Length);
                (top, var local) = restricted.topk(k, dim: 1);
                topIds = targetTensor.index_select(0, local.reshape(-1)).reshape(local.shape);
            }
            scores = top.cpu().data<float>().ToArray();
            candidates = topIds.cpu().data<long>().ToArray();
        }

        int m = 0;
        for (int r = 0; r < encoded.Length; r++)
        {
            var (rowIds, maskPositions) = encoded[r];
            bool singleMask = maskPositions.Length == 1;
            var perMask = new List<IReadOnlyList<FillMaskCandidate>>();
            foreach (int position in maskPositions)
            {
                var list = new List<FillMaskCandidate>(k);
                for (int j = 0; j < k; j++, m++)
                {
                    int id = (int)candidates[m];
                    var filled = (int[])rowIds.Clone();
                    filled[position] = id;
                    // HF drops padding, then decodes; with one mask it also drops <s> and </s>.
                    var kept = filled.Where(x => x != _tokenizer.PadId).ToArray();
                    list.Add(new FillMaskCandidate(scores[m], id, _tokenizer.Decode([id], skipSpecialTokens: false), _tokenizer.Decode(kept, skipSpecialTokens: singleMask)));
                }
                perMask.Add(list);
            }
            results[r] = perMask;
        }
        return results;
    }

    private (int[] Ids, int[] MaskPositions) Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = _tokenizer.EncodeToIds(text).ToArray();
        var maskPositions = Enumerable.Range(0, ids.Length).Where(i => ids[i] == _tokenizer.MaskId).ToArray();
        if (maskPositions.Length == 0)
            throw new ArgumentException($"No {_tokenizer.MaskToken} in the text \"{Shorten(text)}\": fill-mask needs at least one.");
        if (ids.Length > _model.Config.MaxSequenceLength)
            throw new ArgumentException($"The text \"{Shorten(text)}\" is {ids.Length} tokens long; this model reads at most {_model.Config.MaxSequenceLength}. Shorten the text around the mask.");
        return (ids, maskPositions);
    }

    /// <summary>Frees the low-precision weight copies (the model belongs to the caller).</summary>
    public void Dispose() => _copies.Dispose();

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";
}
