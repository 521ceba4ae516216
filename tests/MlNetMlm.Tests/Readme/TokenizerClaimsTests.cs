using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Tests.Readme;

/// <summary>What README.md and the notebook's prose say about the default tokenizer is what the code does.</summary>
[TestClass]
public sealed partial class TokenizerClaimsTests
{
    private static string Readme => File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));

    /// <summary>The notebook's markdown cells (its code and outputs are checked by the notebook test).</summary>
    private static string NotebookProse()
    {
        using var notebook = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "notebooks", "masked-language-modeling.ipynb")));
        return string.Join("\n", notebook.RootElement.GetProperty("cells").EnumerateArray()
            .Where(c => c.GetProperty("cell_type").GetString() == "markdown")
            .Select(c => string.Concat(c.GetProperty("source").EnumerateArray().Select(l => l.GetString()))));
    }

    [GeneratedRegex(@"\b50,26\d\b")]
    private static partial Regex VocabularySizeClaim();

    [GeneratedRegex(@"`(?<token>[^`\s]+)`\s*(?:=|is)\s*(?<id>\d+)( here)?")]
    private static partial Regex TokenIdClaim();

    [GeneratedRegex(@"\[(?<ids>\d+(?:,\d+)*)\] -> ""(?<text>[^""]*)""")]
    private static partial Regex DecodeClaim();

    [TestMethod]
    [DataRow("README.md")]
    [DataRow("notebook")]
    public void VocabularySizeAndSpecialIdsAreTheDefaultTokenizers(string where)
    {
        string text = where == "README.md" ? Readme : NotebookProse();
        var tokenizer = RobertaTokenizer.Default;
        var sizes = VocabularySizeClaim().Matches(text).Select(m => m.Value).ToList();
        Assert.IsTrue(sizes.Count > 0, $"{where} states no vocabulary size");
        foreach (string size in sizes)
            Assert.AreEqual(tokenizer.VocabularySize.ToString("N0", CultureInfo.InvariantCulture), size, $"{where} says {size} ids");

        // `token`=id claims in the paragraphs about the default tokenizer.
        var claims = TokenIdClaim().Matches(Section(text, "`RobertaTokenizer.Default`")).ToList();
        Assert.IsTrue(claims.Count >= 2, $"{where}: no token=id claims found next to RobertaTokenizer.Default");
        foreach (Match claim in claims)
        {
            string token = claim.Groups["token"].Value;
            Assert.IsTrue(tokenizer.TryConvertTokenToId(token, out int id), $"{where}: '{token}' is not in the default vocabulary");
            Assert.AreEqual(int.Parse(claim.Groups["id"].Value, CultureInfo.InvariantCulture), id, $"{where}: the default tokenizer's id of '{token}'");
        }
    }

    [TestMethod]
    public void TheNotebooksRobertaBaseIdIsRobertaBases()
    {
        string vocab = RepoPaths.RequireShared("roberta-base", "vocab.json");
        var match = Regex.Match(NotebookProse(), @"`(?<token>\w+)` is \d+ here,\s*(?<id>\d+) in roberta-base");
        Assert.IsTrue(match.Success, "the notebook no longer compares an id with roberta-base's");
        using var doc = JsonDocument.Parse(File.ReadAllText(vocab));
        Assert.AreEqual(int.Parse(match.Groups["id"].Value, CultureInfo.InvariantCulture), doc.RootElement.GetProperty(match.Groups["token"].Value).GetInt32());
    }

    [TestMethod]
    public void TheReadmesDecodeExamplesDecodeAsShown()
    {
        var examples = DecodeClaim().Matches(Readme).ToList();
        Assert.AreEqual(2, examples.Count, "README's two tokenize --decode examples");
        int[] Ids(Match m) => m.Groups["ids"].Value.Split(',').Select(int.Parse).ToArray();
        // The first uses the offline default; the second names roberta-base's folder.
        Assert.AreEqual(examples[0].Groups["text"].Value, RobertaTokenizer.Default.Decode(Ids(examples[0])));
        var robertaBase = RobertaTokenizer.FromDirectory(Path.GetDirectoryName(RepoPaths.RequireShared("roberta-base", "vocab.json"))!);
        Assert.AreEqual(examples[1].Groups["text"].Value, robertaBase.Decode(Ids(examples[1])));
        Assert.AreNotEqual(examples[1].Groups["text"].Value, RobertaTokenizer.Default.Decode(Ids(examples[1])), "roberta-base ids do not decode with the default");
    }

    /// <summary>The paragraph(s) around the first mention of <paramref name="marker"/>: up to the next blank line after it.</summary>
    private static string Section(string text, string marker)
    {
        int start = text.IndexOf(marker, StringComparison.Ordinal);
        Assert.IsTrue(start >= 0, $"'{marker}' not mentioned");
        int end = text.IndexOf("\n\n", start, StringComparison.Ordinal);
        return text[start..(end < 0 ? text.Length : end)];
    }
}
