namespace MlNetMlm.Interop;

/// <summary>
/// The per-user folder for files MlNetMlm derives at run time (the patched LibTorchSharp copy).
/// <c>MLNETMLM_CACHE_DIR</c> overrides it; otherwise <c>$XDG_CACHE_HOME/mlnetmlm</c> or
/// <c>~/.cache/mlnetmlm</c>.
/// </summary>
internal static class NativeCache
{
    public static string Root
    {
        get
        {
            if (Environment.GetEnvironmentVariable("MLNETMLM_CACHE_DIR") is { Length: > 0 } over) return Path.Combine(over, "native");
            string baseDir = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(baseDir, "mlnetmlm", "native");
        }
    }
}
