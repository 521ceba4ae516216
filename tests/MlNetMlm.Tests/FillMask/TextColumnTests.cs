using Microsoft.ML;
using MlNetMlm.DataView;
using MlNetMlm.FillMask;
using MlNetMlm.Tokenization;
using MlNetMlm.Training;

namespace MlNetMlm.Tests.FillMask;

/// <summary>One text column name: what tokenizing reads, what the trained model reads, and what FillMaskInput gives.</summary>
[TestClass]
public sealed class TextColumnTests
{
    [TestMethod]
    public void EveryComponentDefaultsToTheColumnFillMaskInputGives()
    {
        var schema = new MLContext().Data.LoadFromEnumerable(new[] { new FillMaskInput { Text = "a <mask>" } }).Schema;
        Assert.AreEqual(1, schema.Count);
        Assert.AreEqual("text", schema[0].Name);
        Assert.AreEqual(ColumnNames.Text, schema[0].Name);
        Assert.AreEqual(ColumnNames.Text, new FillMaskOptions().TextColumnName);
        Assert.AreEqual(ColumnNames.Text, new MaskedLmTrainerOptions().TextColumnName);
        Assert.AreEqual(ColumnNames.Text, new TokenizeRobertaOptions().InputColumnName);
    }
}
