using System.CommandLine;
using System.Globalization;
using Microsoft.ML;
using MlNetMlm.Cli.Shared;

namespace MlNetMlm.Cli.Commands;

/// <summary><c>mlnet-mlm info</c>: what a model is — architecture, size, tokenizer, and how it was trained.</summary>
internal static class InfoCommand
{
    public static Command Create(CliContext cli)
    {
        var model = new Option<string>("--model") { Description = "Model zip from train/demo, or a Hugging Face model folder.", Required = true };
        var command = new Command("info", "Show a model's config, parameter count, tokenizer and training metrics.") { model };
        CommandRunner.SetAction(command, cli, p => Run(cli, p.GetValue(model)!));
        return command;
    }

    internal static int Run(CliContext cli, string modelPath)
    {
        var ml = new MLContext(seed: 0);
        using var model = ModelFiles.Load(ml, modelPath);
        var o = cli.Output;
        var c = model.Model.Config;
        // The LM-head decoder reuses the word embeddings (tied) and owns no parameter, so nothing is counted twice.
        long parameters = model.Model.parameters().Sum(p => p.numel());
        o.WriteLine($"Model            {Path.GetFullPath(modelPath)} ({(ModelFiles.IsHuggingFaceFolder(modelPath) ? "Hugging Face folder" : "ML.NET model zip")})");
        o.WriteLine($"Architecture     {string.Join(", ", c.Architectures)} ({c.ModelType})");
        o.WriteLine($"Layers           {c.NumHiddenLayers}, hidden {c.HiddenSize}, heads {c.NumAttentionHeads}, intermediate {c.IntermediateSize}, activation {c.HiddenAct}");
        o.WriteLine($"Positions        {c.MaxPositionEmbeddings} (sequences up to {c.MaxSequenceLength} tokens)");
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Parameters       {parameters:N0}"));
        var t = model.Tokenizer;
        o.WriteLine($"Tokenizer        byte-level BPE, {t.VocabularySize:N0} ids (model vocab_size {c.VocabSize:N0})");
        o.WriteLine($"Special ids      <s>={t.BosId} <pad>={t.PadId} </s>={t.EosId} <unk>={t.UnkId} {t.MaskToken}={t.MaskId}");
        o.WriteLine($"Fill-mask        top {model.Options.TopK}, text column '{model.Options.TextColumnName}'");
        if (model.Metrics is not { } m)
        {
            o.WriteLine("Training         no training metrics stored (a Hugging Face folder, or a model not trained by MlNetMlm).");
            return 0;
        }
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Training         {m.TotalSteps} steps, {m.TrainSeconds:F0} s, {m.TokensPerSecond:F0} tokens/s"));
        if (m.TrainLog.Count > 0) o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  last train loss {m.TrainLog[^1].Loss:F4} (step {m.TrainLog[^1].Step})"));
        if (m.Initial is { } first && m.Final is { } last)
        {
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  eval loss       {first.Loss:F4} → {last.Loss:F4} (perplexity {first.Perplexity:F1} → {last.Perplexity:F1})"));
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  masked accuracy {first.Accuracy:P1} → {last.Accuracy:P1} ({last.MaskedTokens} masked tokens)"));
        }
        return 0;
    }
}
