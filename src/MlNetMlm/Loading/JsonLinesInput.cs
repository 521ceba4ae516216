namespace MlNetMlm.Loading;

/// <summary>One JSON Lines source: a name for messages and a way to open it afresh for each pass.</summary>
internal sealed record JsonLinesInput(string Name, Func<Stream> Open)
{
    public static JsonLinesInput FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"LoadFromJsonLines: file '{path}' not found.", path);
        return new JsonLinesInput(path, () => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan));
    }
}
