using System.Diagnostics;

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
        var start = new ProcessStartInfo("python3") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-c", "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)", script, temp.PathOf("train_ddp.pyc") })
            start.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.WriteLine("SKIPPED: python3 is missing, so scale-out/train_ddp.py was not compiled.");
            Assert.Inconclusive("python3 is missing");
            return;
        }
        using (process)
        {
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.AreEqual(0, process.ExitCode, error);
        }
    }
}
