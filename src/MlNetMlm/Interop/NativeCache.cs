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

    /// <summary>Write to a temporary file beside the target, flush to disk, then rename over it.</summary>
    public static void WriteAtomically(string target, ReadOnlySpan<byte> content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        string temp = target + "." + Environment.ProcessId + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
