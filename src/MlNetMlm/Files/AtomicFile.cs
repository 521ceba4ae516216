using System.Text;

namespace MlNetMlm.Files;

/// <summary>
/// The one way MlNetMlm writes a file: into a hidden temporary file beside the target, flushed to disk,
/// then renamed over it. A crash or a full disk leaves the earlier file (or none) in place, never half a file.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>; the stream is the temporary file.</summary>
    /// <exception cref="IOException">The target exists and <paramref name="overwrite"/> is false (nothing is written), or the write failed.</exception>
    public static void Write(string path, Action<Stream> write, bool overwrite = true)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new IOException($"'{full}' is a folder; a file was expected.");
        if (!overwrite && File.Exists(full)) throw new IOException($"'{full}' already exists; pass overwrite to replace it.");
        string folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        string temp = TempName(folder, Path.GetFileName(full));
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte-order mark) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text) => Write(path, s => s.Write(Utf8NoBom.GetBytes(text)));

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>A hidden name beside <paramref name="name"/> that no other writer (thread or process) picks.</summary>
    internal static string TempName(string folder, string name) =>
        Path.Combine(folder, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");

    internal static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);
}

/// <summary>
/// A folder written whole: filled under a hidden temporary name beside the target, then renamed into place
/// (an existing target is moved aside first and deleted only once the new one is in place).
/// </summary>
internal static class AtomicDirectory
{
    /// <exception cref="IOException">The target is a file, or is a non-empty folder and <paramref name="overwrite"/> is false.</exception>
    public static void Write(string directory, Action<string> fill, bool overwrite)
    {
        string target = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
        if (File.Exists(target)) throw new IOException($"'{target}' is a file; a folder was expected.");
        bool exists = Directory.Exists(target);
        if (exists && Directory.EnumerateFileSystemEntries(target).Any() && !overwrite)
            throw new IOException($"'{target}' already exists and is not empty; pass overwrite to replace it.");
        string parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        string name = Path.GetFileName(target);
        string temp = AtomicFile.TempName(parent, name);
        Directory.CreateDirectory(temp);
        try
        {
            fill(temp);
            if (!exists)
            {
                Directory.Move(temp, target);
                return;
            }
            // Swap: the old folder is moved aside first, so at no moment is there a half-written target.
            string old = AtomicFile.TempName(parent, name + ".old");
            Directory.Move(target, old);
            try
            {
                Directory.Move(temp, target);
            }
            catch
            {
                Directory.Move(old, target);
                throw;
            }
            Directory.Delete(old, recursive: true);
        }
        catch
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            throw;
        }
    }
}
