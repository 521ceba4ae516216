namespace MlNetMlm.Tests.Build;

/// <summary>
/// .NET 10 file-based apps (<c>dotnet run app.cs</c>) default to native-AOT settings, which switch reflection-based
/// JSON off (issue 15, item 7). A file-based app referencing the library with <c>#:project</c> and no other
/// setting saves a model as a Hugging Face folder, loads it back (safetensors, config.json) and round-trips the
/// training metrics JSON.
/// </summary>
[TestClass]
public sealed class FileBasedAppTests
{
    [TestMethod]
    public void FileBasedAppUsesTheLibraryWithDefaultSettings()
    {
        using var files = new TempFiles();
        string name = "mlnetmlm-fba-" + Guid.NewGuid().ToString("N")[..12];
        string library = Path.Combine(RepoPaths.Root, "src", "MlNetMlm", "MlNetMlm.csproj");
        string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        string app = files.Write(name + ".cs", $$"""
            #:project {{library}}
            using MlNetMlm.Metrics;
            using MlNetMlm.Modeling;
            using MlNetMlm.Training;
            using MlNetMlm.Tokenization;

            var config = new RobertaConfig { VocabSize = 40, HiddenSize = 16, NumHiddenLayers = 1, NumAttentionHeads = 2, IntermediateSize = 32, MaxPositionEmbeddings = 34, TypeVocabSize = 1 };
            using (var model = RobertaForMaskedLM.FromScratch(config, seed: 1)) model.SavePretrained(args[0]);
            using var loaded = RobertaForMaskedLM.FromPretrained(args[0]);
            var metrics = TrainingMetrics.FromJson(new TrainingMetrics { TotalSteps = 3 }.ToJson());
            Console.WriteLine($"ok layers={loaded.Config.NumHiddenLayers} steps={metrics.TotalSteps} ids={RobertaTokenizer.Default.EncodeToIds("The sun").Length}");
            """);
        string runfiles = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "dotnet", "runfile");
        try
        {
            var (exitCode, stdout, stderr) = ExternalTool.Run("dotnet", "run", app, "-c", configuration, "--", files.PathOf("hf"));
            Assert.AreEqual(0, exitCode, $"{stdout}\n{stderr}");
            StringAssert.Contains(stdout, "ok layers=1 steps=3 ids=4");
        }
        finally
        {
            // The SDK keeps a file-based app's build under runfile/<name>-<hash>: this test's app only.
            if (Directory.Exists(runfiles))
                foreach (string dir in Directory.EnumerateDirectories(runfiles, name + "-*"))
                    Directory.Delete(dir, recursive: true);
        }
    }
}
