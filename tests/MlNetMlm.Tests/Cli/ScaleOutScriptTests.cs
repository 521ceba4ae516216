namespace MlNetMlm.Tests.Cli;

[TestClass]
public sealed class ScaleOutScriptTests
{
    /// <summary>scale-out/train_ddp.py compiles (python3 -m py_compile's check; the bytecode goes to a temporary file, not the repository).</summary>
    [TestMethod]
    public void TrainDdpScriptCompiles()
    {
        string script = Path.Combine(RepoPaths.Root, "scale-out", "train_ddp.py");
        Assert.IsTrue(File.Exists(script), script);
        using var temp = new TempFiles();
        var (exit, _, error) = ExternalTool.Run("python3", "-c", "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)",
            script, temp.PathOf("train_ddp.pyc"));
        Assert.AreEqual(0, exit, error);
    }
}
