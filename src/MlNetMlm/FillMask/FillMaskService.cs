using System.Diagnostics;
using Microsoft.ML;

namespace MlNetMlm.FillMask;

/// <summary>
/// Fill-mask for any number of concurrent callers over one loaded model (a <c>PredictionEngine</c> is not
/// thread-safe; this is). Texts that arrive together are gathered — for at most
/// <see cref="FillMaskServiceOptions.BatchWait"/> or up to <see cref="FillMaskServiceOptions.MaxBatchSize"/> — and
/// run as one batched forward on the model's device; each caller gets the candidates of its own text. Register it
/// in an ASP.NET Core app with <c>services.AddMlNetMlmFillMask(modelPath)</c>.
/// </summary>
public sealed class FillMaskService : IDisposable
{
    private readonly FillMaskServiceOptions _options;
    private readonly bool _ownsModel;
    private readonly Queue<Pending> _queue = new();
    private readonly object _sync = new();
    private readonly Thread _worker;
    private bool _closed;
    private long _batches, _texts;
    private int _largestBatch;

    /// <summary>Serves <paramref name="model"/>; the caller keeps owning it (dispose it after this service).</summary>
    public FillMaskService(MaskedLmTransformer model, FillMaskServiceOptions? options = null)
        : this(model, options, ownsModel: false)
    {
    }

    private FillMaskService(MaskedLmTransformer model, FillMaskServiceOptions? options, bool ownsModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        _options = (options ?? new FillMaskServiceOptions()).Validated();
        Model = model;
        _ownsModel = ownsModel;
        // One thread runs every forward: the model is used by one batch at a time, and callers never block on it.
        _worker = new Thread(Work) { IsBackground = true, Name = "MlNetMlm fill-mask batches" };
        _worker.Start();
    }

    /// <summary>
    /// Loads a model zip or a Hugging Face folder (as <c>mlContext.MaskedLanguageModeling().LoadFillMask</c>)
    /// and serves it; the service owns the model and disposes it.
    /// </summary>
    public static FillMaskService Load(string modelPath, FillMaskServiceOptions? options = null, MLContext? mlContext = null)
    {
        var validated = (options ?? new FillMaskServiceOptions()).Validated();
        var model = (mlContext ?? new MLContext(seed: 0)).MaskedLanguageModeling().LoadFillMask(modelPath, validated.Device);
        return new FillMaskService(model, validated, ownsModel: true);
    }

    /// <summary>The served model.</summary>
    public MaskedLmTransformer Model { get; }

    /// <summary>The options in force (a copy).</summary>
    public FillMaskServiceOptions Options => _options.Validated();

    /// <summary>
    /// The candidates for each <c>&lt;mask&gt;</c> of <paramref name="text"/>, best first — what
    /// <see cref="MaskedLmTransformer.FillMask(string)"/> gives for it alone.
    /// </summary>
    /// <param name="text">A text with at least one <c>&lt;mask&gt;</c>, no longer than the model reads.</param>
    /// <param name="topK">Candidates per mask; null: <see cref="FillMaskServiceOptions.TopK"/>.</param>
    /// <param name="targets">Score only these words (HF's <c>targets</c>); null: the whole vocabulary.</param>
    /// <param name="cancellationToken">Cancels the wait (a text already in a running batch still runs).</param>
    /// <exception cref="ArgumentException">No mask, a text too long for the model, top-k below 1, or an empty target list.</exception>
    public Task<IReadOnlyList<IReadOnlyList<FillMaskCandidate>>> FillMaskAsync(
        string text, int? topK = null, IReadOnlyList<string>? targets = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pending = new Pending(text, topK ?? _options.TopK, targets?.ToArray());
        if (cancellationToken.CanBeCanceled)
            pending.Cancellation = cancellationToken.Register(() => pending.Completion.TrySetCanceled(cancellationToken));
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            _queue.Enqueue(pending);
            Monitor.Pulse(_sync);
        }
        return pending.Completion.Task;
    }

    /// <summary>Fills several texts (they may share batches with each other and with other callers).</summary>
    public async Task<IReadOnlyList<IReadOnlyList<FillMaskCandidate>>[]> FillMaskAsync(
        IReadOnlyList<string> texts, int? topK = null, IReadOnlyList<string>? targets = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return await Task.WhenAll(texts.Select(t => FillMaskAsync(t, topK, targets, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>Batches run, texts taken, the largest batch so far and texts waiting now (for tests and the serving benchmark).</summary>
    internal (long Batches, long Texts, int LargestBatch, int Waiting) Counters
    {
        get { lock (_sync) return (_batches, _texts, _largestBatch, _queue.Count); }
    }

    /// <summary>Finishes every text already queued, stops the batch thread, and disposes the model if this service loaded it.</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            if (_closed) return;
            _closed = true;
            Monitor.PulseAll(_sync);
        }
        _worker.Join();
        if (_ownsModel) Model.Dispose();
    }

    private sealed class Pending(string text, int topK, string[]? targets)
    {
        public string Text { get; } = text;
        public int TopK { get; } = topK;
        public string[]? Targets { get; } = targets;

        /// <summary>Texts with the same top-k and targets can share one forward and one candidate selection.</summary>
        public string Key { get; } = targets is null ? $"{topK}" : $"{topK}\u0000{string.Join('\u0000', targets)}";

        public TaskCompletionSource<IReadOnlyList<IReadOnlyList<FillMaskCandidate>>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public CancellationTokenRegistration Cancellation { get; set; }

        public void Finish(IReadOnlyList<IReadOnlyList<FillMaskCandidate>>? result, Exception? error)
        {
            Cancellation.Dispose();
            if (error is null) Completion.TrySetResult(result!);
            else Completion.TrySetException(error);
        }
    }

    private void Work()
    {
        var batch = new List<Pending>();
        while (NextBatch(batch))
        {
            foreach (var group in batch.Where(p => !p.Completion.Task.IsCompleted).GroupBy(p => p.Key))
                foreach (var similar in SimilarLengths(group.ToList()))
                    Run(similar);
            batch.Clear();
        }
    }

    /// <summary>Waits for a first text, then up to BatchWait for more (or until MaxBatchSize); false once closed and drained.</summary>
    private bool NextBatch(List<Pending> batch)
    {
        lock (_sync)
        {
            while (_queue.Count == 0 && !_closed) Monitor.Wait(_sync);
            if (_queue.Count == 0) return false;
            long deadline = Stopwatch.GetTimestamp() + (long)(_options.BatchWait.TotalSeconds * Stopwatch.Frequency);
            while (_queue.Count < _options.MaxBatchSize && !_closed)
            {
                var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                if (left <= TimeSpan.Zero) break;
                Monitor.Wait(_sync, left);
            }
            while (batch.Count < _options.MaxBatchSize && _queue.Count > 0) batch.Add(_queue.Dequeue());
            _batches++;
            _texts += batch.Count;
            _largestBatch = Math.Max(_largestBatch, batch.Count);
            return true;
        }
    }

    /// <summary>
    /// Splits texts into runs of similar token counts, so that padding to the longest adds at most a quarter to
    /// the tokens a forward computes: the encoder's cost grows with every padded position, and on a CPU a few
    /// short texts padded to a long one cost more than the forward they share saves.
    /// </summary>
    private List<List<Pending>> SimilarLengths(List<Pending> group)
    {
        var chunks = new List<List<Pending>>();
        if (group.Count == 1) return [group];
        List<Pending>? chunk = null;
        long tokens = 0;
        foreach (var (pending, length) in group.Select(p => (p, Model.Tokenizer.EncodeToIds(p.Text).Length)).OrderBy(x => x.Length))
        {
            // Sorted ascending: this text is the chunk's longest, so the chunk pads to its length.
            if (chunk is null || (chunk.Count + 1L) * length * 4 > (tokens + length) * 5)
            {
                chunks.Add(chunk = []);
                tokens = 0;
            }
            chunk.Add(pending);
            tokens += length;
        }
        return chunks;
    }

    private void Run(List<Pending> group)
    {
        var first = group[0];
        try
        {
            var results = Model.FillMask(group.Select(p => p.Text).ToList(), first.TopK, first.Targets, _options.Precision);
            for (int i = 0; i < group.Count; i++) group[i].Finish(results[i], null);
        }
        catch (ArgumentException) when (group.Count > 1)
        {
            // One bad text (no mask, too long) fails the whole forward: run each alone so only it gets the error.
            foreach (var p in group) Run([p]);
        }
        catch (Exception e)
        {
            foreach (var p in group) p.Finish(null, e);
        }
    }
}
