using MlNetMlm.Interop;
using TorchSharp;
using static TorchSharp.torch;

namespace MlNetMlm.Tests.Interop;

[TestClass]
public sealed class TorchSmokeTests
{
    [TestMethod]
    public void NativeLibrariesLoad()
    {
        var status = TorchRuntime.Initialize();
        Console.WriteLine($"TorchSharp native load: {status.Method}; patched copy: {status.PatchedCopyPath ?? "none"}");
        Assert.IsTrue(status.Loaded, status.Error);
        Assert.AreSame(status, TorchRuntime.Initialize(), "Initialize must be idempotent");
    }

    [TestMethod]
    public void MatmulAndAutogradWork()
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        var b = tensor(new float[] { 5, 6, 7, 8 }, 2, 2);
        CollectionAssert.AreEqual(new float[] { 19, 22, 43, 50 }, a.matmul(b).data<float>().ToArray());

        // d/dx sum((x·w)²) = 2·(x·w)·wᵀ
        var x = tensor(new float[] { 1, -2 }, 1, 2).requires_grad_();
        var w = tensor(new float[] { 3, 1, 0.5f, 2 }, 2, 2);
        var y = x.matmul(w);               // [2, -3]
        y.pow(2).sum().backward();
        CollectionAssert.AreEqual(new float[] { 2 * (2 * 3 + -3 * 1), 2 * (2 * 0.5f + -3 * 2) }, x.grad!.data<float>().ToArray());
    }

    [TestMethod]
    public void DeviceNamesResolve()
    {
        Assert.AreEqual(DeviceType.CPU, TorchDevices.Resolve("cpu").type);
        Assert.AreEqual(DeviceType.CPU, TorchDevices.Resolve("CPU").type);
        var bad = Assert.ThrowsExactly<ArgumentException>(() => TorchDevices.Resolve("tpu"));
        StringAssert.Contains(bad.Message, "cpu, cuda or cuda:N");
        if (!cuda.is_available())
        {
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => TorchDevices.Resolve("cuda:0"));
            StringAssert.Contains(e.Message, "MlNetMlmTorchBackend=cuda-windows");
        }
    }
}
