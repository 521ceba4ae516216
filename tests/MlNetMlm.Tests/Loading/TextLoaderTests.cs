using Microsoft.ML;
using Microsoft.ML.Data;

namespace MlNetMlm.Tests.Loading;

/// <summary>
/// Plain text (one example per line) and CSV need no MlNetMlm loader: ML.NET's own <c>TextLoader</c>
/// reads them. These tests pin the settings the README recommends and the behaviour they give.
/// </summary>
[TestClass]
public sealed class TextLoaderTests
{
    [TestMethod]
    public void PlainTextOneExamplePerLine()
    {
        using var temp = new TempFiles();
        string path = temp.Write("lines.txt", "The sky is blue, mostly.\n\"Quoted\" words stay as they are.\n  leading spaces kept\n", bom: true);
        var ml = new MLContext(seed: 1);
        // Separator '\t' and no quoting: the whole line is one text value (a line holding a tab would be cut there).
        var data = ml.Data.LoadFromTextFile(path, new TextLoader.Options
        {
            Columns = [new TextLoader.Column("text", DataKind.String, 0)],
            Separators = ['\t'],
            AllowQuoting = false,
            TrimWhitespace = false,
        });
        // TextLoader drops a line's leading spaces even with TrimWhitespace = false, and reads past the BOM.
        CollectionAssert.AreEqual(new[] { "The sky is blue, mostly.", "\"Quoted\" words stay as they are.", "leading spaces kept" },
            data.GetColumn<string>("text").ToArray());
    }

    [TestMethod]
    public void CsvWithHeaderAndQuotes()
    {
        using var temp = new TempFiles();
        string path = temp.Write("qa.csv", "title,text,score\nStars,\"Hot, bright balls of gas.\",3\nMoon,Rocky.,1\n");
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromTextFile(path, new TextLoader.Options
        {
            Columns = [new TextLoader.Column("title", DataKind.String, 0), new TextLoader.Column("text", DataKind.String, 1), new TextLoader.Column("score", DataKind.Single, 2)],
            Separators = [','],
            HasHeader = true,
            AllowQuoting = true,
        });
        CollectionAssert.AreEqual(new[] { "Hot, bright balls of gas.", "Rocky." }, data.GetColumn<string>("text").ToArray());
        CollectionAssert.AreEqual(new float[] { 3, 1 }, data.GetColumn<float>("score").ToArray());
    }
}
