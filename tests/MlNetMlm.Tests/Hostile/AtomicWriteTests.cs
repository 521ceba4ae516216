using Microsoft.ML;
using MlNetMlm.Files;
using MlNetMlm.Tests.Cli;

namespace MlNetMlm.Tests.Hostile;

/// <summary>Every output goes through a temporary file and a rename (issue 15, item 2): a failed write leaves the earlier file whole.</summary>
[TestClass]
public sealed class AtomicWriteTests
{
    [TestMethod]
    public void AFailedWriteLeavesTheEarlierFileAndNoTemporary()
    {
        using var files = new TempFiles();
        string path = files.Write("model.zip", "the earlier model");
        Assert.ThrowsExactly<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[4096]);
            throw new IOException("No space left on device");
        }));
        Assert.AreEqual("the earlier model", File.ReadAllText(path));
        CollectionAssert.AreEqual(new[] { "model.zip" }, Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(path)!).Select(Path.GetFileName).ToArray());
    }

    /// <summary>ml.Model.SaveAtomically writes a loadable zip and replaces an earlier one only when complete.</summary>
    [TestMethod]
    public void SaveAtomicallyWritesALoadableZip()
    {
        using var files = new TempFiles();
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Row { text = "a b" } });
        var model = ml.Transforms.Text.JoinText("joined", "text").Fit(data);
        string path = files.Write("model.zip", "earlier");
        ml.Model.SaveAtomically(model, data.Schema, path);
        var loaded = ml.Model.Load(path, out var schema);
        Assert.IsNotNull(schema.GetColumnOrNull("text"));
        Assert.AreEqual(1, Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(path)!).Count());
    }

    public sealed class Row
    {
        public string text { get; set; } = "";
    }

    /// <summary>
    /// A real full disk, as a file-size limit (<c>ulimit -f</c>) on a fresh CLI process: <c>mlnet-mlm sample</c>
    /// (65 KB) cannot finish under a 16 KB limit, and the earlier file survives whole.
    /// </summary>
    [TestMethod]
    public void FileSizeLimitDuringAWriteLeavesTheEarlierFile()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/bin/bash")) Assert.Inconclusive("needs Linux bash for ulimit -f");
        using var files = new TempFiles();
        string path = files.Write("eli5.jsonl", "{\"earlier\": true}\n");
        var (exitCode, _, stderr) = ExternalTool.Run("/bin/bash", "-c", "ulimit -f 16; exec dotnet \"$0\" sample --output \"$1\" --overwrite", CliRun.CliDll, path);
        Assert.AreNotEqual(0, exitCode, "the write should have hit the limit");
        Assert.AreEqual("{\"earlier\": true}\n", File.ReadAllText(path), stderr);
    }
}
