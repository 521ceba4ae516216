using Microsoft.Data.Analysis;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.Interop;
using MlNetMlm.Notebooks;
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
        Assert.AreEqual(5, System.Text.RegularExpressions.Regex.Matches(html, @"<tr><th>\d+</th>").Count, "5 body rows expected");
        StringAssert.Contains(html, "first 5 of 30 rows");
    }

    [TestMethod]
    public void TorchStatusShowsMethodAndSkipsEmptyFields()
    {
        var status = new TorchNativeStatus(true, "patched-copy", "/x/libtorch.so", "/x/libLibTorchSharp.so", "/c/libLibTorchSharp.so",
            ["libstdc++.so.6:GLIBCXX_3.4.32"], null, TimeSpan.FromMilliseconds(12.5));
        string html = NotebookFormatters.TorchStatusHtml(status);
        StringAssert.Contains(html, "<th>method</th><td>patched-copy</td>");
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
        };
        foreach (var f in NotebookFormatters.All)
        {
            Assert.IsTrue(samples.TryGetValue(f.Type, out var sample), $"Add a sample of {f.Type} to this test.");
            CollectionAssert.Contains(new[] { "text/html", "text/plain" }, f.MimeType);
            Assert.IsFalse(string.IsNullOrEmpty(f.Format(sample)), $"{f.Type} formatted to nothing");
        }
    }
}
