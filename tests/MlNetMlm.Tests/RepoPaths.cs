namespace MlNetMlm.Tests;

/// <summary>Where the repository and the shared data folder beside it are.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary><c>../shared/data</c> beside the repository (read-only inputs; may be absent).</summary>
    public static string SharedData => Path.GetFullPath(Path.Combine(Root, "..", "shared", "data"));

    /// <summary>The path of a file under shared/data, or Assert.Inconclusive with a printed reason.</summary>
    public static string RequireShared(params string[] parts)
    {
        string path = Path.Combine([SharedData, .. parts]);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            string reason = $"SKIPPED: shared data '{path}' is absent (it lives beside the repo in ../shared/data).";
            Console.WriteLine(reason);
            Assert.Inconclusive(reason);
        }
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MlNetMlm.sln"))) return dir.FullName;
        throw new InvalidOperationException($"MlNetMlm.sln not found above {AppContext.BaseDirectory}");
    }
}
