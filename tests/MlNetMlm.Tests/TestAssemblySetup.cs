using MlNetMlm.Interop;

namespace MlNetMlm.Tests;

[TestClass]
public static class TestAssemblySetup
{
    /// <summary>TorchSharp's native libraries must be in memory before any test touches <c>torch</c>.</summary>
    [AssemblyInitialize]
    public static void LoadTorch(TestContext _) => TorchRuntime.Initialize();
}
