using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.GroupTexts;
using MlNetMlm.Masking;
using MlNetMlm.Tests.Training;
using MlNetMlm.Tokenization;

namespace MlNetMlm.Tests.Masking;

/// <summary>The tokenizer's ids travel with the data as annotations: TokenizeRoberta writes them, MaskTokens and the trainer read them.</summary>
[TestClass]
public sealed class TokenIdAnnotationsTests
{
    private static readonly RobertaTokenizer Default = RobertaTokenizer.Default;

    private static TokenIdAnnotations Annotated(IDataView data, string column)
    {
        var ids = TokenIdAnnotations.Read(data.Schema[column]);
        Assert.IsNotNull(ids, $"column '{column}' has no token-id annotations");
        return ids;
    }

    private static (int Vocabulary, int Mask, int? Pad) Head(TokenIdAnnotations ids) => (ids.VocabularySize, ids.MaskTokenId, ids.PadTokenId);

    [TestMethod]
    public void TheSimplestPipelineMasksWithTheDefaultTokenizersIds()
    {
        var ml = new MLContext(seed: 1);
        var text = TinyTraining.Sentences(ml, 200, seed: 3);
        var model = ml.Transforms.Text.TokenizeRoberta()
            .Append(ml.Transforms.GroupTexts(blockSize: 32))
            .Append(ml.Transforms.MaskTokens(mlmProbability: 0.5))
            .Fit(text);
        var masking = (MaskTokensTransformer)model.LastTransformer;
        Assert.AreEqual((50261, 50262), (masking.MaskTokenId, masking.VocabularySize), "the offline default's <mask> and size, not roberta-base's 50264 / 50265");
        CollectionAssert.AreEqual(Default.SpecialIds.Order().ToArray(), masking.SpecialTokenIds.ToArray());

        var masked = model.Transform(text);
        var ids = TokenIds.Read(masked, "input_ids").SelectMany(b => b).ToList();
        Assert.IsTrue(ids.Contains(Default.MaskId), "some tokens are replaced by the default tokenizer's <mask>");
        Assert.IsTrue(ids.All(id => id < Default.VocabularySize), "every id written is one the tokenizer has");
        Assert.AreEqual((Default.VocabularySize, Default.MaskId, (int?)Default.PadId), Head(Annotated(masked, "input_ids")));
    }

    [TestMethod]
    public void TheAnnotationsSurviveGroupTextsInBothModes()
    {
        var ml = new MLContext(seed: 1);
        var text = TinyTraining.Sentences(ml, 50, seed: 3);
        var tokenized = ml.Transforms.Text.TokenizeRoberta().Fit(text).Transform(text);
        var expected = Annotated(tokenized, "input_ids");
        Assert.AreEqual((Default.VocabularySize, Default.MaskId, (int?)Default.PadId), Head(expected));
        CollectionAssert.AreEqual(Default.SpecialIds.Order().ToArray(), expected.SpecialTokenIds);
        foreach (var mode in new[] { GroupTextsMode.Concatenate, GroupTextsMode.LineByLine })
        {
            var grouped = ml.Transforms.GroupTexts(new GroupTextsOptions { BlockSize = 16, Mode = mode, OutputColumnName = "block" }).Fit(tokenized).Transform(tokenized);
            var got = Annotated(grouped, "block");
            Assert.AreEqual(Head(expected), Head(got), mode.ToString());
            CollectionAssert.AreEqual(expected.SpecialTokenIds, got.SpecialTokenIds, mode.ToString());
        }
    }

    [TestMethod]
    public void TheAnnotationsSurviveTheModelZip()
    {
        var ml = new MLContext(seed: 1);
        var text = TinyTraining.Sentences(ml, 100, seed: 3);
        var pipeline = ml.Transforms.Text.TokenizeRoberta()
            .Append(ml.Transforms.GroupTexts(blockSize: 16), TransformerScope.Training)
            .Append(ml.Transforms.MaskTokens(), TransformerScope.Training);
        string path = Path.Combine(Path.GetTempPath(), $"annotations-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(pipeline.Fit(text), text.Schema, path);
            var fresh = new MLContext(seed: 2);
            var loaded = (TransformerChain<ITransformer>)fresh.Model.Load(path, out _);
            var prepared = loaded.Transform(TinyTraining.Sentences(fresh, 100, seed: 3), TransformerScope.Training);
            Assert.AreEqual((Default.VocabularySize, Default.MaskId, (int?)Default.PadId), Head(Annotated(prepared, "input_ids")));
            var masking = (MaskTokensTransformer)loaded.LastTransformer;
            Assert.AreEqual((Default.MaskId, Default.VocabularySize), (masking.MaskTokenId, masking.VocabularySize));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void ExplicitIdsAreUsedWhereTheColumnHasNoneAndMustAgreeWhereItHas()
    {
        var ml = new MLContext(seed: 1);
        // Ids loaded from elsewhere carry no annotations: the options' ids are used as given.
        var plain = TokenIds.Load(ml, TokenIds.Generate(20, seed: 2, minLength: 10, maxLength: 40));
        var fitted = ml.Transforms.MaskTokens(new MaskTokensOptions { MaskTokenId = 7, VocabularySize = 50265 }).Fit(plain);
        Assert.AreEqual(7, fitted.MaskTokenId);
        Assert.AreEqual(7, Annotated(fitted.Transform(plain), "input_ids").MaskTokenId, "the masked ids say which ids were used");

        // The same ids as the tokenizer's agree; roberta-base's mask id on the default tokenizer's column does not.
        var text = TinyTraining.Sentences(ml, 20, seed: 3);
        var tokenized = ml.Transforms.Text.TokenizeRoberta().Fit(text).Transform(text);
        Assert.AreEqual(Default.MaskId, ml.Transforms.MaskTokens(Default).Fit(tokenized).MaskTokenId);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Transforms.MaskTokens(new MaskTokensOptions { MaskTokenId = 50264 }).Fit(tokenized));
        StringAssert.Contains(e.Message, "MaskTokens: the token ids of column 'input_ids'");
        StringAssert.Contains(e.Message, "MaskTokenId is 50264 in the MaskTokens options but 50261 in the annotations");

        // A fitted MaskTokens given another tokenizer's column says so too.
        var e2 = Assert.ThrowsExactly<InvalidOperationException>(() => fitted.Transform(tokenized));
        StringAssert.Contains(e2.Message, "MaskTokenId is 7 in this fitted MaskTokens but 50261 in the annotations");
    }

    private sealed class TextRow
    {
        [ColumnName("text")] public string Text { get; set; } = "";
    }

    /// <summary>A small byte-level tokenizer whose &lt;pad&gt; is id 10, not roberta-base's 1.</summary>
    private static RobertaTokenizer PadAtTen()
    {
        var vocab = """{"<s>":0,"</s>":1,"<unk>":2,"a":3,"b":4,"ab":5,"Ġa":6,"Ġ":7,"Ġb":8,"<mask>":9,"<pad>":10}"""u8.ToArray();
        var merges = "#version: 0.2\na b\nĠ a\nĠ b\n"u8.ToArray();
        return RobertaTokenizer.FromStreams(new MemoryStream(vocab), new MemoryStream(merges));
    }

    [TestMethod]
    public void LineByLinePadsWithTheColumnsPadIdAndAnExplicitOneMustAgree()
    {
        var ml = new MLContext(seed: 1);
        var tokenizer = PadAtTen();
        Assert.AreEqual(10, tokenizer.PadId);
        var text = ml.Data.LoadFromEnumerable(new[] { "ab a", "a b ab a b", "b" }.Select(t => new TextRow { Text = t }));
        var tokenized = ml.Transforms.Text.TokenizeRoberta(tokenizer: tokenizer).Fit(text).Transform(text);
        var lineByLine = new GroupTextsOptions { Mode = GroupTextsMode.LineByLine, BlockSize = 8 };

        var fitted = ml.Transforms.GroupTexts(lineByLine).Fit(tokenized);
        Assert.AreEqual(10, fitted.PadTokenId, "unset: the column's (its tokenizer's) <pad>");
        var blocks = TokenIds.Read(fitted.Transform(tokenized), "input_ids");
        var masks = TokenIds.Read(fitted.Transform(tokenized), "attention_mask");
        for (int r = 0; r < blocks.Count; r++)
            for (int i = 0; i < 8; i++)
                if (masks[r][i] == 0) Assert.AreEqual(10, blocks[r][i], $"row {r}, position {i} is padding");
        Assert.IsTrue(masks.Any(m => m.Contains(0)), "some rows are padded");

        // Set and equal: fine; set and different: an error naming both.
        Assert.AreEqual(10, ml.Transforms.GroupTexts(new GroupTextsOptions { Mode = GroupTextsMode.LineByLine, BlockSize = 8, PadTokenId = 10 }).Fit(tokenized).PadTokenId);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Transforms.GroupTexts(new GroupTextsOptions { Mode = GroupTextsMode.LineByLine, BlockSize = 8, PadTokenId = 1 }).Fit(tokenized));
        StringAssert.Contains(e.Message, "GroupTexts: the token ids of column 'input_ids'");
        StringAssert.Contains(e.Message, "PadTokenId is 1 in the GroupTexts options but 10 in the annotations");

        // Ids without annotations keep the documented default, or the id set.
        var plain = TokenIds.Load(ml, [[0, 5, 2]]);
        Assert.AreEqual(1, ml.Transforms.GroupTexts(lineByLine).Fit(plain).PadTokenId);
        Assert.AreEqual(7, ml.Transforms.GroupTexts(new GroupTextsOptions { Mode = GroupTextsMode.LineByLine, BlockSize = 8, PadTokenId = 7 }).Fit(plain).PadTokenId);

        // The fitted transformer given another tokenizer's column says so.
        var other = ml.Transforms.Text.TokenizeRoberta().Fit(text).Transform(text);
        var e2 = Assert.ThrowsExactly<InvalidOperationException>(() => fitted.Transform(other));
        StringAssert.Contains(e2.Message, "PadTokenId is 10 in this fitted GroupTexts but 1 in the annotations");

        // The fitted id is what the zip keeps.
        string path = Path.Combine(Path.GetTempPath(), $"pad-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(fitted, tokenized.Schema, path);
            var loaded = (GroupTextsTransformer)new MLContext(seed: 2).Model.Load(path, out _);
            Assert.AreEqual(10, loaded.PadTokenId);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void BothMaskTokensOverloadsTakeTheirParametersInTheSameOrder()
    {
        var overloads = typeof(LanguageModelingCatalogExtensions).GetMethods().Where(m => m.Name == "MaskTokens" && m.GetParameters().Length > 2).ToList();
        Assert.AreEqual(2, overloads.Count);
        string[] Names(bool withTokenizer) => overloads.Single(m => (m.GetParameters()[1].ParameterType == typeof(RobertaTokenizer)) == withTokenizer)
            .GetParameters().Skip(withTokenizer ? 2 : 1).Select(p => p.Name!).ToArray();
        CollectionAssert.AreEqual(Names(withTokenizer: false), Names(withTokenizer: true));
    }

    [TestMethod]
    public void TheTrainerRefusesATokenizerOtherThanTheDatas()
    {
        var ml = new MLContext(seed: 1);
        // Ids from a file, masked with explicit ids of a 60,000-id vocabulary: the trainer's default tokenizer has fewer.
        var plain = TokenIds.Load(ml, TokenIds.Generate(40, seed: 2, minLength: 20, maxLength: 40));
        var prepared = ml.Transforms.GroupTexts(blockSize: 16)
            .Append(ml.Transforms.MaskTokens(new MaskTokensOptions { VocabularySize = 60000 }))
            .Fit(plain).Transform(plain);
        var options = TinyTraining.Options(Default);
        options.MaxSteps = 1;
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.MaskedLanguageModeling().Trainer(options).Fit(prepared));
        StringAssert.Contains(e.Message, "MaskedLmTrainer: the token ids of column 'input_ids' of the training data do not match the trainer's Tokenizer");
        StringAssert.Contains(e.Message, "VocabularySize is 50262 in the trainer's Tokenizer but 60000 in the annotations");
    }
}
