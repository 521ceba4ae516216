using MlNetMlm.Modeling;

namespace MlNetMlm.Cli.Shared;

/// <summary>Model sizes for training from scratch when no --config is given.</summary>
internal static class ModelShapes
{
    public static readonly string[] Names = ["small", "tiny"];

    /// <summary>
    /// small: 4 layers, 256 hidden, 4 heads, 1024 intermediate, 130 positions (128-token blocks + RoBERTa's
    /// offset of 2) — trains on the demo sample in minutes on two CPU cores. tiny: for smoke tests only.
    /// The vocabulary size and special ids are taken from the tokenizer by the trainer.
    /// </summary>
    public static RobertaConfig Get(string name) => name switch
    {
        "small" => new RobertaConfig { NumHiddenLayers = 4, HiddenSize = 256, NumAttentionHeads = 4, IntermediateSize = 1024, MaxPositionEmbeddings = 130 },
        "tiny" => new RobertaConfig { NumHiddenLayers = 2, HiddenSize = 64, NumAttentionHeads = 2, IntermediateSize = 128, MaxPositionEmbeddings = 130 },
        _ => throw new CliException($"unknown model size '{name}'; use {string.Join(" or ", Names)}."),
    };
}
