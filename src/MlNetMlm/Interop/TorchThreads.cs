using static TorchSharp.torch;

namespace MlNetMlm.Interop;

/// <summary>
/// The loops MlNetMlm spreads over cores itself (dropout masks, the fused AdamW pass) take as many workers as
/// torch's intra-op threads, so a run limited to fewer threads stays within them.
/// </summary>
internal static class TorchThreads
{
    public static ParallelOptions ParallelOptions() => new() { MaxDegreeOfParallelism = Math.Max(1, get_num_threads()) };
}
