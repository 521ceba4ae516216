using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.App;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace MlNetMlm.NotebookRunner;

/// <summary>
/// Runs every code cell of a .ipynb, in order, in a C# kernel set up like Polyglot Notebooks' one
/// (NuGet directive, kernel helpers, and the dotnet-interactive tool's own loader of package extensions),
/// stopping at the first cell that fails. Exit code 0 when all cells ran, 1 when one failed, 2 on bad usage.
/// </summary>
public static class Program
{
    private const string Usage = """
        usage: MlNetMlm.NotebookRunner <notebook.ipynb> [options]
          --feed <dir>           add this local NuGet feed (as `#i "nuget: <dir>"`) before the MlNetMlm `#r` line
          --version <v>          use MlNetMlm version <v> in the `#r "nuget: MlNetMlm, ..."` line instead of the notebook's
          --probe <code>         after the notebook, evaluate this C# expression and put its text in the report
          --report <file.json>   write a JSON report: every cell's outputs, the failure, the probe's value
          --write-outputs        save the outputs into the notebook (only when every cell ran)
        """;

    public static async Task<int> Main(string[] args)
    {
        Options options;
        try { options = Options.Parse(args); }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var report = await RunAsync(options);
        if (options.ReportPath is not null)
            await File.WriteAllTextAsync(options.ReportPath, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        if (report.Failure is not null)
        {
            Console.Error.WriteLine(report.Failure);
            return 1;
        }
        return 0;
    }

    private static async Task<RunReport> RunAsync(Options options)
    {
        var kernelInfos = new KernelInfoCollection { new Microsoft.DotNet.Interactive.Documents.KernelInfo("csharp", "C#", ["c#", "C#"]) };
        kernelInfos.DefaultKernelName = "csharp";
        InteractiveDocument notebook;
        await using (var input = File.OpenRead(options.NotebookPath))
            notebook = Notebook.Read(input, kernelInfos);

        using var kernel = CreateKernel();
        var scrub = MachinePathScrubber(options);
        var report = new RunReport();
        var clock = Stopwatch.StartNew();
        int cellNumber = 0, codeCellNumber = 0, executionCount = 0;
        foreach (var cell in notebook.Elements)
        {
            cellNumber++;
            if (cell.KernelName == "markdown")
                continue;
            // A code cell without kernel metadata runs in the notebook's default kernel, as in Polyglot Notebooks;
            // any other kernel name is sent as it is (and fails if this kernel has no such subkernel).
            codeCellNumber++;
            string target = cell.KernelName is null or "" or "c#" or "C#" ? "csharp" : cell.KernelName;
            string code = PrepareCode(cell.Contents, options);
            var cellClock = Stopwatch.StartNew();
            var result = await kernel.SendAsync(new SubmitCode(code, target));
            var cellReport = CellReport.From(cellNumber, cell.Contents, result.Events);
            cellReport.Seconds = Math.Round(cellClock.Elapsed.TotalSeconds, 2);
            report.Cells.Add(cellReport);
            Console.WriteLine($"cell {cellNumber}: {(cellReport.Error is null ? "ok" : "FAILED")} in {cellReport.Seconds:F1} s — {FirstLine(cell.Contents)}");
            if (cellReport.Error is not null)
            {
                report.Failure = $"Notebook cell {cellNumber} (code cell {codeCellNumber}) failed: {FirstLine(cell.Contents)}{Environment.NewLine}{cellReport.Error}";
                break;
            }
            cell.Outputs.Clear();
            cell.Outputs.AddRange(cellReport.ToDocumentOutputs(scrub));
            cell.ExecutionOrder = ++executionCount;
        }
        report.Seconds = Math.Round(clock.Elapsed.TotalSeconds, 2);

        if (report.Failure is null && options.Probe is not null)
        {
            var result = await kernel.SendAsync(new SubmitCode(options.Probe, "csharp"));
            var probe = CellReport.From(0, options.Probe, result.Events);
            report.ProbeValue = probe.Outputs.SelectMany(o => o.Data).FirstOrDefault(d => d.Key == PlainTextFormatter.MimeType).Value;
            if (probe.Error is not null)
                report.Failure = $"The probe `{options.Probe}` failed: {probe.Error}";
        }

        if (report.Failure is null && options.WriteOutputs)
        {
            string json = Notebook.ToJupyterJson(notebook);
            await File.WriteAllTextAsync(options.NotebookPath, json.EndsWith('\n') ? json : json + "\n");
            Console.WriteLine($"outputs written to {options.NotebookPath}");
        }
        return report;
    }

    /// <summary>A composite kernel with a C# kernel, set up as the dotnet-interactive tool sets up its own.</summary>
    private static CompositeKernel CreateKernel()
    {
        var csharp = new CSharpKernel()
            .UseNugetDirective((k, packages) =>
            {
                // What the tool does with restored packages: their assemblies become references of the submissions.
                k.AddAssemblyReferences(packages.SelectMany(p => p.AssemblyPaths));
                return Task.CompletedTask;
            }, forceRestore: false)
            .UseKernelHelpers()
            .UseValueSharing();
        var kernel = new CompositeKernel { csharp };
        kernel.DefaultKernelName = csharp.Name;
        // The tool's own code: after a command that added packages, runs interactive-extensions/dotnet/*.dll
        // (IKernelExtension) and extension.dib of each of them.
        kernel.UseNuGetExtensions();
        // As the tool does for notebook front ends: HTML by default, strings as plain text.
        Formatter.DefaultMimeType = HtmlFormatter.MimeType;
        Formatter.SetPreferredMimeTypesFor(typeof(string), PlainTextFormatter.MimeType);
        return kernel;
    }

    /// <summary>
    /// Rewrites this machine's paths in outputs saved into the notebook (the report keeps them): the feed becomes
    /// its path relative to the notebook, the home folder <c>~</c>. The committed notebook then shows nothing of
    /// the machine that ran it beyond the test version.
    /// </summary>
    private static Func<string, string> MachinePathScrubber(Options options)
    {
        var replacements = new List<(string From, string To)>();
        if (options.Feed is not null)
            replacements.Add((options.Feed.TrimEnd(Path.DirectorySeparatorChar), Path.GetRelativePath(Path.GetDirectoryName(options.NotebookPath)!, options.Feed).TrimEnd(Path.DirectorySeparatorChar)));
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile).TrimEnd(Path.DirectorySeparatorChar);
        if (home.Length > 0)
            replacements.Add((home + Path.DirectorySeparatorChar, "~" + Path.DirectorySeparatorChar));
        return text => replacements.Aggregate(text, (t, r) => t.Replace(r.From, r.To, StringComparison.Ordinal));
    }

    private static readonly Regex MlNetMlmReference = new(@"^(\s*#r\s+""nuget:\s*MlNetMlm\s*)(,\s*[^""]*)?""", RegexOptions.Multiline);

    /// <summary>Points the notebook's `#r "nuget: MlNetMlm, ..."` line at the version and feed under test.</summary>
    private static string PrepareCode(string code, Options options)
    {
        var match = MlNetMlmReference.Match(code);
        if (!match.Success || (options.Version is null && options.Feed is null))
            return code;
        string reference = options.Version is null ? match.Value : $"{match.Groups[1].Value.TrimEnd()}, {options.Version}\"";
        string feed = options.Feed is null ? "" : $"#i \"nuget: {options.Feed}\"{Environment.NewLine}";
        return code[..match.Index] + feed + reference + code[(match.Index + match.Length)..];
    }

    private static string FirstLine(string code) =>
        code.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith("//", StringComparison.Ordinal)) ?? "";

    private sealed record Options(string NotebookPath, string? Feed, string? Version, string? Probe, string? ReportPath, bool WriteOutputs)
    {
        public static Options Parse(string[] args)
        {
            string? path = null, feed = null, version = null, probe = null, report = null;
            bool write = false;
            for (int i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--feed": feed = Path.GetFullPath(Value()); break;
                    case "--version": version = Value(); break;
                    case "--probe": probe = Value(); break;
                    case "--report": report = Value(); break;
                    case "--write-outputs": write = true; break;
                    case var a when a.StartsWith("--", StringComparison.Ordinal): throw new ArgumentException($"Unknown option {a}.");
                    default: path = path is null ? args[i] : throw new ArgumentException("Give one notebook."); break;
                }
            }
            if (path is null) throw new ArgumentException("Give the notebook to run.");
            if (!File.Exists(path)) throw new ArgumentException($"Notebook '{path}' not found.");
            return new(Path.GetFullPath(path), feed, version, probe, report, write);
        }
    }
}
