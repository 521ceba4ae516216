using System.Text.RegularExpressions;
using Microsoft.Data.Analysis;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.Metrics;
using MlNetMlm.FillMask;
using MlNetMlm.Interop;
using MlNetMlm.Notebooks;
using MlNetMlm.Training;
using static TorchSharp.torch;

namespace MlNetMlm.Tests.Notebooks;

[TestClass]
public sealed class NotebookFormattersTests
{
    private sealed class Row
    {
        public string Title { get; set; } = "";

        [ColumnName("answers.text")]
        public string[] Answers { get; set; } = [];
    }

    [TestMethod]
    public void DataFrameShowsVectorCellsIncludingEmptyOnes()
    {
        // ToDataFrame turns an empty array into a default VBuffer, whose own enumerator throws.
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new Row { Title = "a <b>", Answers = ["x & y", "z"] },
            new Row { Title = "c", Answers = [] },
        });
        string html = NotebookFormatters.DataFrameHtml(data.ToDataFrame());
        StringAssert.Contains(html, "<th>answers.text<br/>");
        StringAssert.Contains(html, "[&quot;x &amp; y&quot;, &quot;z&quot;]");
        StringAssert.Contains(html, "<td>[]</td>");
        StringAssert.Contains(html, "<td>a &lt;b&gt;</td>", "Text must be HTML-encoded.");
        StringAssert.Contains(html, "2 rows × 2 columns");

        string text = NotebookFormatters.DataFrameText(data.ToDataFrame());
        string[] lines = text.Split('\n');
        Assert.AreEqual("Title  answers.text", lines[0].TrimEnd());
        Assert.AreEqual("a <b>  [\"x & y\", \"z\"]", lines[1].TrimEnd());
        Assert.AreEqual("c      []", lines[2].TrimEnd());
        Assert.AreEqual("(2 rows × 2 columns)", lines[3]);
    }

    [TestMethod]
    public void DataFrameIsCutAfterMaxRowsAndSaysSo()
    {
        var frame = new DataFrame(new Int32DataFrameColumn("n", Enumerable.Range(0, 30)));
        string html = NotebookFormatters.DataFrameHtml(frame, maxRows: 5);
        Assert.AreEqual(5, Regex.Matches(html, @"<tr><th>\d+</th>").Count, "5 body rows expected");
        StringAssert.Contains(html, "first 5 of 30 rows");
    }

    [TestMethod]
    public void TorchStatusShowsMethodAndSkipsEmptyFields()
    {
        var status = new TorchNativeStatus(true, TorchLoadMethod.PatchedCopy, "/x/libtorch.so", "/x/libLibTorchSharp.so", "/c/libLibTorchSharp.so",
            ["libstdc++.so.6:GLIBCXX_3.4.32"], null, TimeSpan.FromMilliseconds(12.5));
        string html = NotebookFormatters.TorchStatusHtml(status);
        StringAssert.Contains(html, "<th>method</th><td>PatchedCopy</td>");
        StringAssert.Contains(html, "libstdc++.so.6:GLIBCXX_3.4.32");
        Assert.DoesNotContain("<th>error</th>", html);
    }

    [TestMethod]
    public void TensorShowsValues()
    {
        TorchRuntime.EnsureLoaded();
        using var t = tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        string html = NotebookFormatters.TensorHtml(t);
        StringAssert.StartsWith(html, "<pre>[2x2], type = Float32");
        StringAssert.Contains(html, "3 4");
    }

    [TestMethod]
    public void EveryFormatterAcceptsItsOwnType()
    {
        // The extension registers each entry for Type; Format must not throw for a value of that type.
        var samples = new Dictionary<Type, object>
        {
            [typeof(TorchNativeStatus)] = TorchRuntime.Status,
            [typeof(DataFrame)] = new DataFrame(new StringDataFrameColumn("s", ["v"])),
            [typeof(Tensor)] = zeros(2),
            [typeof(FillMaskPrediction)] = TwoMasks(),
            [typeof(TrainingMetrics)] = SampleMetrics(),
            [typeof(LossChart)] = new LossChart(SampleMetrics()),
        };
        foreach (var f in NotebookFormatters.All)
        {
            Assert.IsTrue(samples.TryGetValue(f.Type, out var sample), $"Add a sample of {f.Type} to this test.");
            CollectionAssert.Contains(new[] { "text/html", "text/plain" }, f.MimeType);
            Assert.IsFalse(string.IsNullOrEmpty(f.Format(sample)), $"{f.Type} formatted to nothing");
        }
    }

    /// <summary>"A &lt;mask&gt; is a &lt;mask&gt;." with top-2 per mask, laid out as the trainer's transformer writes it.</summary>
    private static FillMaskPrediction TwoMasks() => new()
    {
        MaskCount = 2,
        Scores = [0.5f, 0.25f, 0.125f, 0.0625f],
        TokenIds = [4, 5, 6, 7],
        Tokens = [" star", " moon", " planet", " <b>"],
        Sequences = ["<s>A star is a<mask>.</s>", "<s>A moon is a<mask>.</s>", "<s>A<mask> is a planet.</s>", "<s>A<mask> is a <b>.</s>"],
    };

    private static TrainingMetrics SampleMetrics() => new()
    {
        TrainLog = [new(5, 0.5, 10.5, 1e-3), new(10, 1.0, 9.0, 1e-3), new(15, 1.5, 8.25, 5e-4), new(20, 2.0, 7.5, 0)],
        Evaluations = [new(0, 0, 10.8, Math.Exp(10.8), 0, 172), new(10, 1, 9.1, Math.Exp(9.1), 0.035, 172), new(20, 2, 7.7, Math.Exp(7.7), 0.052, 172)],
        TotalSteps = 20,
        TrainSeconds = 12.34,
        TokensPerSecond = 800,
    };

    [TestMethod]
    public void FillMaskShowsOneRowPerCandidateAndOneTablePerMask()
    {
        string html = NotebookFormatters.FillMaskHtml(TwoMasks());
        Assert.AreEqual(2, Regex.Matches(html, "<table>").Count, "one table per mask");
        Assert.AreEqual(4, Regex.Matches(html, @"<tr><th>\d</th>").Count, "one row per candidate");
        StringAssert.Contains(html, "mask 2 of 2");
        StringAssert.Contains(html, "<tr><th>1</th><td>0.5000</td><td><code>&quot; star&quot;</code></td><td>4</td><td>&lt;s&gt;A star is a&lt;mask&gt;.&lt;/s&gt;</td></tr>");
        StringAssert.Contains(html, "&quot; &lt;b&gt;&quot;", "token text must be HTML-encoded");

        string[] lines = NotebookFormatters.FillMaskText(TwoMasks()).Split('\n');
        Assert.AreEqual("mask 1 of 2", lines[0]);
        Assert.AreEqual("#  score   token    id  sequence", lines[1]);
        Assert.AreEqual("1  0.5000  \" star\"  4   <s>A star is a<mask>.</s>", lines[2]);
        Assert.AreEqual("mask 2 of 2", lines[5]);
    }

    [TestMethod]
    public void FillMaskWithOneMaskHasNoHeadingAndWithoutMaskSaysSo()
    {
        var one = new FillMaskPrediction { MaskCount = 1, Scores = [0.75f], TokenIds = [9], Tokens = [" spiral"], Sequences = ["The Milky Way is a spiral galaxy."] };
        string html = NotebookFormatters.FillMaskHtml(one);
        Assert.DoesNotContain("mask 1 of", html);
        StringAssert.Contains(html, "<td>The Milky Way is a spiral galaxy.</td>");
        StringAssert.StartsWith(NotebookFormatters.FillMaskText(one), "#  score");

        var none = new FillMaskPrediction();
        StringAssert.Contains(NotebookFormatters.FillMaskHtml(none), "No &lt;mask&gt; in the text.");
        Assert.AreEqual("No <mask> in the text.", NotebookFormatters.FillMaskText(none));
    }

    [TestMethod]
    public void MetricsShowTotalsAndEveryEvaluationInvariantly()
    {
        var culture = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            // A comma-decimal culture must not leak into the numbers.
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            string html = NotebookFormatters.MetricsHtml(SampleMetrics());
            StringAssert.Contains(html, "20 steps in 12.3 s (800 tokens/s)");
            Assert.AreEqual(3, Regex.Matches(html, "<tr><td>").Count, "one row per evaluation");
            StringAssert.Contains(html, "<tr><td>20</td><td>2.00</td><td>7.7000</td><td>2208.3</td><td>5.2 %</td><td>172</td></tr>");

            string[] lines = NotebookFormatters.MetricsText(SampleMetrics()).Split('\n');
            Assert.AreEqual("20 steps in 12.3 s (800 tokens/s)", lines[0]);
            Assert.AreEqual(5, lines.Length);
            StringAssert.StartsWith(lines[4], "20    2.00   7.7000");
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = culture;
        }
        StringAssert.Contains(NotebookFormatters.MetricsHtml(new TrainingMetrics()), "No evaluations");
    }

    [TestMethod]
    public void LossChartDrawsBothSeriesInsideThePlot()
    {
        var culture = System.Globalization.CultureInfo.CurrentCulture;
        string svg;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            svg = new LossChart(SampleMetrics()) { Width = 400, Height = 200 }.ToSvg();
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = culture;
        }
        var doc = System.Xml.Linq.XDocument.Parse(svg); // well-formed XML, so browsers render it
        System.Xml.Linq.XNamespace ns = "http://www.w3.org/2000/svg";
        var train = doc.Descendants(ns + "polyline").Single(e => (string?)e.Attribute("class") == "train");
        var trainPoints = Points(train);
        Assert.AreEqual(4, trainPoints.Count);
        Assert.AreEqual(3, doc.Descendants(ns + "circle").Count(), "one dot per evaluation");

        // Inside the plot area, x growing with the step, y falling as the loss falls (SVG y points down).
        Assert.IsTrue(trainPoints.All(p => p.X is >= 0 and <= 400 && p.Y is >= 0 and <= 200));
        Assert.IsTrue(trainPoints.Zip(trainPoints.Skip(1)).All(pair => pair.Second.X > pair.First.X && pair.Second.Y > pair.First.Y));
        var eval = Points(doc.Descendants(ns + "polyline").Single(e => (string?)e.Attribute("class") == "eval"));
        Assert.AreEqual(eval[0].Y, eval.Min(p => p.Y), "the highest loss is drawn highest");

        var labels = doc.Descendants(ns + "text").Select(t => t.Value).ToList();
        CollectionAssert.IsSubsetOf(new[] { "Loss", "optimizer step", "training loss", "evaluation loss", "0", "20" }, labels);
        Assert.IsFalse(labels.Any(l => l.Contains(',')), $"culture leaked into labels: {string.Join(" | ", labels)}");
    }

    [TestMethod]
    public void LossChartGivesTheSeriesOtherDrawingsUse()
    {
        var metrics = SampleMetrics();
        metrics.TrainLog.Add(new TrainLogEntry(99, 9, double.NaN, 0));
        var chart = new LossChart(metrics);
        CollectionAssert.AreEqual(metrics.TrainLog.Where(e => double.IsFinite(e.Loss)).Select(e => ((double)e.Step, e.Loss)).ToList(), chart.TrainingLoss.ToList(), "finite training losses by step");
        CollectionAssert.AreEqual(metrics.Evaluations.Select(e => ((double)e.Step, e.Loss)).ToList(), chart.EvaluationLoss.ToList());
        Assert.AreEqual(4, chart.TrainingLoss.Count, "the NaN entry is left out");
    }

    [TestMethod]
    public void LossChartOfAnEmptyRunSaysSo()
    {
        string svg = new LossChart(new TrainingMetrics()).ToSvg();
        StringAssert.Contains(svg, "no loss recorded");
        Assert.DoesNotContain("<polyline", svg);
    }

    [TestMethod]
    public void NiceRangeCoversTheDataWithRoundTicks()
    {
        Assert.AreEqual((0.0, 80.0, 20.0), LossChart.NiceRange(0, 64));
        Assert.AreEqual((7.0, 11.0, 1.0), LossChart.NiceRange(7.18, 10.85));
        var (min, max, step) = LossChart.NiceRange(5, 5);
        Assert.IsTrue(min < 5 && max > 5 && step > 0);
    }

    private static List<(double X, double Y)> Points(System.Xml.Linq.XElement polyline) =>
        ((string)polyline.Attribute("points")!).Split(' ')
            .Select(p => p.Split(','))
            .Select(xy => (double.Parse(xy[0], System.Globalization.CultureInfo.InvariantCulture), double.Parse(xy[1], System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
}
