using MlNetMlm.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMlm.Training;

/// <summary>
/// AdamW as Hugging Face's Trainer sets it up (decoupled weight decay on weights, none on biases and
/// LayerNorm weights), stepped over flat buffers: at construction every parameter of a group becomes a
/// view into one contiguous tensor, and so do its gradient and its two moment estimates. A step is
/// then a handful of element-wise operations per group instead of per parameter (about 100 for
/// distilroberta), and clipping takes one norm over the flat gradients.
/// TorchSharp's <see cref="AdamW"/> object still holds the options and the per-parameter state (as
/// views), so <c>optimizer.bin</c> keeps TorchSharp's format and older checkpoints resume.
/// </summary>
internal sealed class TrainingOptimizer : IDisposable
{
    private readonly Group[] _groups;

    /// <summary>Whether CPU groups take the fused pass (<see cref="FusedAdamW"/>); off only in tests comparing the two paths.</summary>
    internal static bool UseFusedCpuStep { get; set; } = true;

    /// <summary>TorchSharp's optimizer object: options, step counts and moments (for checkpoints).</summary>
    public AdamW Optimizer { get; }

    /// <summary>Whether a parameter is exempt from weight decay (biases and LayerNorm weights, as HF).</summary>
    public static bool IsDecayExempt(string name) =>
        name.EndsWith(".bias", StringComparison.Ordinal) || name == "lm_head.bias"
        || name.Contains("LayerNorm", StringComparison.Ordinal) || name.Contains("layer_norm", StringComparison.Ordinal);

    /// <summary>
    /// Builds the two groups (weights decay; biases and LayerNorm weights do not) and moves the model's
    /// parameters into flat storage. Call after the model is on its device and in its dtype.
    /// </summary>
    public TrainingOptimizer(RobertaForMaskedLM model, MaskedLmTrainerOptions o)
    {
        var decay = new List<Parameter>();
        var noDecay = new List<Parameter>();
        foreach (var (name, p) in model.named_parameters())
            (IsDecayExempt(name) ? noDecay : decay).Add(p);
        var groups = new List<AdamW.ParamGroup>
        {
            new(decay, o.LearningRate, o.AdamBeta1, o.AdamBeta2, o.AdamEpsilon, o.WeightDecay, false, false),
            new(noDecay, o.LearningRate, o.AdamBeta1, o.AdamBeta2, o.AdamEpsilon, 0.0, false, false),
        };
        Optimizer = optim.AdamW(groups, o.LearningRate, o.AdamBeta1, o.AdamBeta2, o.AdamEpsilon, o.WeightDecay, false, false);
        var states = Optimizer.state_dict().State.Cast<AdamW.State>().ToList();
        int first = 0;
        _groups = new Group[groups.Count];
        for (int g = 0; g < groups.Count; g++)
        {
            var parameters = groups[g].Parameters.ToList();
            _groups[g] = new Group(groups[g], parameters, states.GetRange(first, parameters.Count));
            first += parameters.Count;
        }
    }

    /// <summary>
    /// After the backward pass(es): clip the global gradient norm to <paramref name="maxGradNorm"/> (when
    /// &gt; 0, as <c>torch.nn.utils.clip_grad_norm_</c>), take one AdamW step at <paramref name="learningRate"/>,
    /// and zero the gradients.
    /// </summary>
    public void Step(double maxGradNorm, double learningRate)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        double scale = maxGradNorm > 0 ? ClipScale(maxGradNorm) : 1.0;
        foreach (var group in _groups)
        {
            group.Settings.LearningRate = learningRate;
            group.Step(learningRate, scale);
        }
    }

    /// <summary>min(1, max / (‖g‖ + 1e-6)), ‖g‖ the 2-norm over every parameter: the factor clipping scales the gradient by.</summary>
    private double ClipScale(double maxGradNorm)
    {
        double total = stack(_groups.Select(g => g.Gradients.norm()).ToArray()).norm().item<float>();
        double factor = maxGradNorm / (total + 1e-6);
        return factor < 1 ? factor : 1.0;
    }

    public void Dispose()
    {
        foreach (var group in _groups) group.Dispose();
        Optimizer.Dispose();
    }

    /// <summary>One parameter group over flat storage.</summary>
    private sealed class Group : IDisposable
    {
        private readonly Tensor _values, _expAvg, _expAvgSq;
        private readonly List<AdamW.State> _states;
        public AdamW.ParamGroup Settings { get; }
        public Tensor Gradients { get; }

        public Group(AdamW.ParamGroup settings, List<Parameter> parameters, List<AdamW.State> states)
        {
            Settings = settings;
            _states = states;
            var like = parameters[0];
            long total = parameters.Sum(p => p.numel());
            // Kept for the optimizer's life, whatever dispose scope the caller has open.
            _values = empty(total, like.dtype, like.device).DetachFromDisposeScope();
            Gradients = zeros(total, like.dtype, like.device).DetachFromDisposeScope();
            _expAvg = zeros(total, like.dtype, like.device).DetachFromDisposeScope();
            _expAvgSq = zeros(total, like.dtype, like.device).DetachFromDisposeScope();
            using var noGrad = no_grad();
            long offset = 0;
            for (int i = 0; i < parameters.Count; i++)
            {
                var p = parameters[i];
                long n = p.numel();
                using (var values = _values.narrow(0, offset, n).view(p.shape))
                {
                    values.copy_(p);
                    p.set_(values);                                   // the parameter now lives in the flat buffer
                }
                using (var gradient = Gradients.narrow(0, offset, n).view(p.shape))
                    p.grad = gradient;                                // backward accumulates into it in place
                // The per-parameter state TorchSharp saves and loads becomes views of the flat moments.
                states[i].exp_avg.Dispose();
                states[i].exp_avg_sq.Dispose();
                states[i].exp_avg = _expAvg.narrow(0, offset, n).view(p.shape).DetachFromDisposeScope();
                states[i].exp_avg_sq = _expAvgSq.narrow(0, offset, n).view(p.shape).DetachFromDisposeScope();
                offset += n;
            }
        }

        /// <summary>
        /// AdamW's update (as TorchSharp's and PyTorch's) on the gradient times <paramref name="scale"/>, element-wise
        /// over the whole group, then the gradient buffer is zeroed for the next backward pass. On the CPU one fused
        /// pass (<see cref="FusedAdamW"/>); elsewhere torch operations, arranged to take few passes: the clipping
        /// scale enters the moment updates and the bias corrections are folded into the scalars.
        /// </summary>
        public void Step(double lr, double scale)
        {
            var o = Settings.Options;
            double beta1 = o.beta1!.Value, beta2 = o.beta2!.Value, eps = o.eps!.Value, decay = o.weight_decay!.Value;
            long step = _states[0].step + 1;                          // every parameter has a gradient buffer, so one count
            foreach (var s in _states) s.step = step;
            double correction1 = 1 - Math.Pow(beta1, step);
            double rootCorrection2 = Math.Sqrt(1 - Math.Pow(beta2, step));
            // lr/c1 · m / (√v/√c2 + ε) = (lr·√c2/c1) · m / (√v + ε·√c2).
            double stepSize = lr * rootCorrection2 / correction1, epsilon = eps * rootCorrection2;
            if (FusedOnCpu)
            {
                var scalars = new FusedAdamW.Scalars((float)(1 - lr * decay), (float)beta1, (float)((1 - beta1) * scale),
                    (float)beta2, (float)((1 - beta2) * scale * scale), (float)epsilon, (float)stepSize);
                unsafe
                {
                    fixed (byte* p = _values.bytes, g = Gradients.bytes, m = _expAvg.bytes, v = _expAvgSq.bytes)
                        FusedAdamW.Step((float*)p, (float*)g, (float*)m, (float*)v, _values.numel(), scalars);
                }
                return;
            }
            if (decay != 0) _values.mul_(1 - lr * decay);
            if (scale == 1.0) _expAvg.lerp_(Gradients, 1 - beta1);   // m + (1-β1)(g - m): one pass instead of two
            else _expAvg.mul_(beta1).add_(Gradients, alpha: (1 - beta1) * scale);
            _expAvgSq.mul_(beta2).addcmul_(Gradients, Gradients, value: (1 - beta2) * scale * scale);
            // The gradient is spent once the moments have it, so its buffer holds the denominator (no fourth buffer).
            var denominator = Gradients.copy_(_expAvgSq).sqrt_().add_(epsilon);
            _values.addcdiv_(_expAvg, denominator, value: -stepSize);
            Gradients.zero_();
        }

        /// <summary>
        /// The fused CPU pass applies: float32 buffers in main memory, each addressable as one span (under 2 GiB;
        /// a larger group takes the torch operations). Tests turn it off to check the two paths agree.
        /// </summary>
        private bool FusedOnCpu => UseFusedCpuStep && _values.device_type == DeviceType.CPU && _values.dtype == ScalarType.Float32
            && _values.numel() * sizeof(float) <= int.MaxValue;

        public void Dispose()
        {
            _values.Dispose();
            Gradients.Dispose();
            _expAvg.Dispose();
            _expAvgSq.Dispose();
        }
    }
}
