using System.IO.Compression;
using System.Text;

namespace MlNetMlm.Tests;

/// <summary>A temporary folder for one test (or one test class), deleted on dispose; the one temp-folder helper of the suite.</summary>
internal sealed class TempFiles : IDisposable
{
    /// <summary>The folder itself.</summary>
    public string Path { get; } = Directory.CreateTempSubdirectory("mlnetmlm-").FullName;

    /// <summary>Writes a text file (folders in <paramref name="name"/> are created).</summary>
    public string Write(string name, string text, bool bom = false)
    {
        string path = PathOf(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: bom));
        return path;
    }

    public string WriteGzip(string name, string text)
    {
        string path = PathOf(name);
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(Encoding.UTF8.GetBytes(text));
        return path;
    }

    public string PathOf(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>
    /// Deletes the folder. A file still held open (a handle the code under test leaked) would leave it behind:
    /// after one retry once finalizers have run, that is an error naming the folder, never silently ignored.
    /// </summary>
    public void Dispose()
    {
        if (!Directory.Exists(Path)) return;
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException e)
            {
                throw new IOException($"temporary folder '{Path}' could not be removed (a file left open?): {e.Message}", e);
            }
        }
    }
}
