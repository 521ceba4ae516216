using System.Runtime.InteropServices;

namespace MlNetMlm.Interop;

/// <summary>
/// OpenMP settings applied before libtorch (and with it libgomp) is loaded, when the user has set none.
/// libgomp's default lets idle worker threads spin for a long time between parallel regions. On a
/// machine whose cores are also busy with other work, spinning workers take turns with the threads
/// that have real work to do, and a 2-thread training step measured 2–3× slower than with
/// <c>OMP_WAIT_POLICY=PASSIVE</c> (see bench/README.md); on an idle machine the difference is within noise.
/// So MlNetMlm asks for PASSIVE unless <c>OMP_WAIT_POLICY</c> or <c>GOMP_SPINCOUNT</c> is already set
/// (set <c>OMP_WAIT_POLICY=ACTIVE</c> to keep libgomp's default). libgomp reads its environment once,
/// when it is loaded, so this must run before the first TorchSharp call.
/// </summary>
internal static partial class OpenMpDefaults
{
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";
    public const string SpinCountVariable = "GOMP_SPINCOUNT";

    /// <summary>What was done: "set OMP_WAIT_POLICY=PASSIVE", "kept OMP_WAIT_POLICY=…", or null off Linux.</summary>
    public static string? Apply()
    {
        if (!OperatingSystem.IsLinux()) return null;
        string? policy = Environment.GetEnvironmentVariable(WaitPolicyVariable);
        if (!string.IsNullOrEmpty(policy)) return $"kept {WaitPolicyVariable}={policy}";
        string? spin = Environment.GetEnvironmentVariable(SpinCountVariable);
        if (!string.IsNullOrEmpty(spin)) return $"kept {SpinCountVariable}={spin}";
        // .NET's Environment.SetEnvironmentVariable changes only the managed copy on Unix; libgomp reads the C environment.
        if (SetEnv(WaitPolicyVariable, "PASSIVE", 0) != 0) return null;
        Environment.SetEnvironmentVariable(WaitPolicyVariable, "PASSIVE");
        return $"set {WaitPolicyVariable}=PASSIVE";
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
