using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MlNetMlm.Modeling;

/// <summary>
/// Mixed precision for the modules' forward passes: TorchSharp has no autocast, so the modules route their
/// matrix products through here and nothing else needs to know the precision. Outside a scope (or in a
/// <see cref="Precision.Float32"/> scope) every call is the plain float32 operation.
/// </summary>
/// <remarks>
/// Inside a <see cref="Precision.BFloat16"/> scope a product casts its input and the layer's weight and bias to
/// bfloat16 and returns bfloat16. The casts are autograd operations, so the gradient flows back to the float32
/// master weights (the optimizer never sees a bfloat16 tensor). Each weight is used once per forward pass, so
/// casting at the use is casting once per step; with gradients off a <see cref="WeightCopies"/> keeps the
/// copies across calls. What is not a product keeps its input's dtype: a residual sum of a bfloat16 product and
/// the float32 stream is float32 (type promotion inside the add), so LayerNorm runs in float32, and logits
/// leave the LM head as float32, so softmax, the loss and every reduction do too.
/// </remarks>
internal sealed class Autocast : IDisposable
{
    [ThreadStatic] private static Autocast? s_current;

    private readonly Autocast? _outer;
    private readonly ScalarType? _compute;
    private readonly WeightCopies? _copies;
    private bool _disposed;

    private Autocast(Precision precision, WeightCopies? copies)
    {
        _outer = s_current;
        _compute = precision == Precision.BFloat16 ? ScalarType.BFloat16 : null;
        _copies = copies;
        s_current = this;
    }

    /// <summary>Runs the forward passes of this thread in <paramref name="precision"/> until disposed.</summary>
    /// <param name="precision">The compute format.</param>
    /// <param name="copies">Low-precision weight copies to reuse while gradients are off (inference).</param>
    public static Autocast Enter(Precision precision, WeightCopies? copies = null) => new(precision, copies);

    /// <summary>The dtype products run in here, or null for the input's own.</summary>
    private static ScalarType? Compute => s_current?._compute;

    /// <summary>The dtype a product made from an input of <paramref name="dtype"/> would have.</summary>
    public static ScalarType ProductDtype(ScalarType dtype) => Compute ?? dtype;

    /// <summary>
    /// <paramref name="x"/> in the compute dtype, so that an input shared by several products (Q, K, V) is
    /// cast once; a tensor already in it is returned as is.
    /// </summary>
    public static Tensor Input(Tensor x) => Compute is { } dt && x.dtype != dt ? x.to(dt) : x;

    /// <summary>
    /// Inside a low-precision scope, <paramref name="x"/> as float32 (for what must not run in low precision); outside
    /// one, <paramref name="x"/> as is (a model moved whole to another dtype keeps computing in it).
    /// </summary>
    public static Tensor Float(Tensor x) => Compute is null || x.dtype == ScalarType.Float32 ? x : x.to(ScalarType.Float32);

    /// <summary><c>layer.forward(x)</c> in the compute dtype.</summary>
    public static Tensor Linear(Linear layer, Tensor x) =>
        Compute is null ? layer.forward(x) : Linear(x, layer.weight!, layer.bias);

    /// <summary><c>x·weightᵀ + bias</c> in the compute dtype.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        if (Compute is not { } dt) return nn.functional.linear(x, weight, bias);
        return nn.functional.linear(Input(x), s_current!.Weight(weight, dt), bias is null ? null : s_current.Weight(bias, dt));
    }

    private Tensor Weight(Tensor weight, ScalarType dt)
    {
        if (weight.dtype == dt) return weight;
        // While training the cast is part of the graph (the gradient reaches the float32 weight) and is made
        // afresh each step, since the weights change; with gradients off a copy can be kept.
        if (_copies is not null && !is_grad_enabled()) return _copies.Get(weight, dt);
        return weight.to(dt);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (s_current != this) throw new InvalidOperationException("Autocast scopes must be disposed in the reverse order of entering them.");
        s_current = _outer;
    }

    /// <summary>
    /// Low-precision copies of weights for inference, made at first use and kept until disposed (about half the
    /// float32 model's memory). Valid while the weights do not change: make a new one after training further.
    /// </summary>
    internal sealed class WeightCopies : IDisposable
    {
        private readonly Dictionary<IntPtr, Tensor> _copies = [];
        private readonly object _gate = new();

        public Tensor Get(Tensor weight, ScalarType dt)
        {
            lock (_gate)
            {
                if (!_copies.TryGetValue(weight.Handle, out var copy) || copy.dtype != dt)
                {
                    copy?.Dispose();
                    using (no_grad()) copy = weight.detach().to(dt).DetachFromDisposeScope();
                    _copies[weight.Handle] = copy;
                }
                return copy;
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                foreach (var copy in _copies.Values) copy.Dispose();
                _copies.Clear();
            }
        }
    }
}
