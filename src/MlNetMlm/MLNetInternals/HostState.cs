using Microsoft.ML.Runtime;

namespace MlNetMlm.MLNetInternals;

/// <summary>
/// What an ML.NET trainer asks its environment between steps: whether <c>mlContext.CancelExecution()</c>
/// was called (ML.NET's own trainers call <c>Host.CheckAlive()</c>), and the <c>MLContext</c>'s seed.
/// Both are internal to ML.NET, hence this file's place.
/// </summary>
internal static class HostState
{
    /// <summary>True once <c>CancelExecution()</c> was called on the MLContext behind <paramref name="host"/>.</summary>
    public static bool IsCanceled(IHostEnvironment host)
    {
        try
        {
            host.CheckAlive();
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    /// <summary>The seed the MLContext was made with (<c>new MLContext(seed: n)</c>), or null.</summary>
    public static int? Seed(IHostEnvironment env) => (env as IHostEnvironmentInternal)?.Seed;
}
