using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace MlNetMlm.Tests.Packaging;

/// <summary>
/// README "Use MlNetMlm in your project", done as a user does it: pack MlNetMlm into the local feed, make a
/// console app outside the repository that references the package and one native runtime
/// (libtorch-cpu-linux-x64), and run a short form of the README's C# example there.
/// </summary>
[TestClass]
[TestCategory("Package")]
public sealed class PackageTests
{
    /// <summary>The libtorch build TorchSharp 0.107.0 was made for (README names the same).</summary>
    private const string LibTorchVersion = "2.10.0";

    private const string AppProgram = """
        using Microsoft.ML;
        using MlNetMlm;
        using MlNetMlm.FillMask;
        using MlNetMlm.Flatten;
        using MlNetMlm.Modeling;
        using MlNetMlm.Tokenization;
        using MlNetMlm.Training;

        var ml = new MLContext(seed: 1);
        var split = ml.Data.ExactTrainTestSplit(MlNetMlmSamples.Eli5(ml), testFraction: 0.1, seed: 1);
        var tokenizer = RobertaTokenizer.Default;
        var prepare = ml.Transforms.FlattenJson(FlattenJsonOptions.Eli5())
            .Append(ml.Transforms.Text.JoinText("text", "answers.text"))
            .Append(ml.Transforms.Text.TokenizeRoberta("input_ids", "text", tokenizer))
            .Append(ml.Transforms.GroupTexts(blockSize: 32))
            .Append(ml.Transforms.MaskTokens(tokenizer));
        var train = prepare.Fit(split.TrainSet).Transform(split.TrainSet);
        using (var model = ml.MaskedLanguageModeling().Trainer(new MaskedLmTrainerOptions
        {
            Config = new RobertaConfig { NumHiddenLayers = 1, HiddenSize = 32, NumAttentionHeads = 2, IntermediateSize = 64, MaxPositionEmbeddings = 34 },
            Tokenizer = tokenizer, MaxSteps = 2, LearningRate = 2e-3,
        }).Fit(train))
        {
            ml.Model.Save(model, null, "model.zip");
        }

        var fresh = new MLContext(seed: 1);
        var loaded = fresh.Model.Load("model.zip", out _);
        var engine = fresh.Model.CreatePredictionEngine<FillMaskInput, FillMaskPrediction>(loaded);
        foreach (var candidate in engine.Predict(new FillMaskInput { Text = "The Milky Way is a <mask> galaxy." }).Candidates())
            Console.WriteLine($"candidate {candidate.Score:P1}  {candidate.Sequence}");
        Console.WriteLine($"torch loaded: {MlNetMlm.Interop.TorchRuntime.Status.Method}");
        (loaded as IDisposable)?.Dispose();
        """;

    [TestMethod]
    [Timeout(15 * 60 * 1000, CooperativeCancellation = true)]
    public void AConsoleAppOutsideTheRepositoryUsesThePackedLibrary()
    {
        string version = LocalFeed.NewVersion("apptest");
        var madeHere = LocalFeed.Net8OutputsMissing();
        var app = Directory.CreateTempSubdirectory("mlnetmlm-app-");
        try
        {
            string package = LocalFeed.PackLibrary(version);
            CheckPackageContents(package);
            Assert.IsFalse(app.FullName.StartsWith(RepoPaths.Root, StringComparison.Ordinal), "the app must live outside the repository");

            // What README "Use MlNetMlm in your project" has the user add: the package and one native runtime.
            File.WriteAllText(Path.Combine(app.FullName, "App.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <Nullable>enable</Nullable>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="MlNetMlm" Version="{version}" />
                    <PackageReference Include="libtorch-cpu-linux-x64" Version="{LibTorchVersion}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(app.FullName, "NuGet.config"), $"""
                <configuration>
                  <packageSources>
                    <add key="mlnetmlm-local" value="{LocalFeed.Directory}" />
                  </packageSources>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(app.FullName, "Program.cs"), AppProgram);

            // One restore, build and run.
            var (exitCode, output) = LocalFeed.Run("dotnet", ["run", "-c", "Release"], app.FullName, TimeSpan.FromMinutes(12));
            Console.WriteLine(output);
            Assert.AreEqual(0, exitCode, $"The app failed:\n{output}");
            Assert.IsFalse(Regex.IsMatch(output, @"warning NU\d+"), $"The app's restore warned:\n{output}");
            Assert.AreEqual(5, Regex.Matches(output, @"^candidate .*The Milky Way is a", RegexOptions.Multiline).Count, $"five fill-mask candidates expected:\n{output}");
            StringAssert.Matches(output, new Regex(@"torch loaded: (Original|PatchedCopy)"), "TorchSharp was not loaded through MlNetMlm's loader in the app.");

            // Lean natives: a Linux x64 app carries Linux libtorch only.
            string bin = Path.Combine(app.FullName, "bin", "Release", "net10.0");
            var files = Directory.EnumerateFiles(bin, "*", SearchOption.AllDirectories).Select(f => new FileInfo(f)).ToList();
            var foreignTorch = files.Where(f => Regex.IsMatch(f.Name, @"^(torch_cpu\.dll|c10\.dll|libtorch_cpu\.dylib|libc10\.dylib)$")).Select(f => f.FullName).ToList();
            Assert.AreEqual(0, foreignTorch.Count, $"Windows/macOS libtorch in a Linux app's bin/: {string.Join(", ", foreignTorch)}");
            Assert.IsTrue(files.Any(f => f.Name == "libtorch_cpu.so"), "the app's bin/ lacks Linux libtorch");
            Console.WriteLine($"app bin/: {files.Sum(f => f.Length) / 1e6:F0} MB in {files.Count} files; package {new FileInfo(package).Length / 1e3:F0} kB");
        }
        finally
        {
            app.Delete(recursive: true);
            LocalFeed.Remove(version, madeHere);
        }
    }

    /// <summary>The package: both target frameworks, TorchSharp's managed package only, no build-time tools.</summary>
    private static void CheckPackageContents(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        var entries = zip.Entries.Select(e => e.FullName).ToList();
        CollectionAssert.Contains(entries, "lib/net8.0/MlNetMlm.dll");
        CollectionAssert.Contains(entries, "lib/net10.0/MlNetMlm.dll");
        Assert.IsFalse(entries.Any(e => e.Contains("Publicizer", StringComparison.OrdinalIgnoreCase) || e.Contains("Mono.Cecil", StringComparison.OrdinalIgnoreCase)),
            $"the build-time publicizer is in the package: {string.Join(", ", entries)}");
        using var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var dependencies = XDocument.Load(nuspec).Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).Distinct().ToList();
        CollectionAssert.Contains(dependencies, "TorchSharp");
        var natives = dependencies.Where(d => d.StartsWith("TorchSharp-", StringComparison.Ordinal) || d.StartsWith("libtorch", StringComparison.Ordinal)).ToList();
        Assert.AreEqual(0, natives.Count, $"the library must leave the native runtime to the app: {string.Join(", ", natives)}");
    }

    [TestMethod]
    public void ReadmeNamesTheRuntimeThisTestUses()
    {
        string readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        StringAssert.Contains(readme, $"dotnet add package libtorch-cpu-linux-x64 --version {LibTorchVersion}");
    }

    [TestMethod]
    public void ThePublicizerStaysOutOfTheCliOutput()
    {
        // The CLI as built (a project reference of this test project, built alongside it): neither the publicizer
        // nor its Mono.Cecil. This test assembly's own folder may hold Mono.Cecil (MSTest's code coverage uses it),
        // never the publicizer.
        string cli = Path.Combine(RepoPaths.Root, "src", "MlNetMlm.Cli", "bin", LocalFeed.Configuration, "net10.0");
        Assert.IsTrue(File.Exists(Path.Combine(cli, "mlnet-mlm.dll")), $"the CLI is not built in {cli}");
        foreach (var (dir, prefixes) in new[] { (cli, new[] { "Publicizer", "Mono.Cecil" }), (AppContext.BaseDirectory, new[] { "Publicizer" }) })
        {
            var leaked = Directory.EnumerateFiles(dir).Select(Path.GetFileName).Where(n => prefixes.Any(p => n!.StartsWith(p, StringComparison.Ordinal))).ToList();
            Assert.AreEqual(0, leaked.Count, $"{dir} holds the build-time publicizer: {string.Join(", ", leaked)}");
        }
    }
}
