using MlNetMlm.Modeling;
using static TorchSharp.torch;

namespace MlNetMlm.Training;

/// <summary>A batch on the device: [B, T] int64 ids, labels and attention mask, right-padded to the longest block (<see cref="PaddedBatch"/>).</summary>
internal sealed class BatchTensors : IDisposable
{
    public required Tensor InputIds { get; init; }
    public required Tensor Labels { get; init; }
    public required Tensor AttentionMask { get; init; }
    public long TokenCount { get; init; }
    public long LabelCount { get; init; }

    public static BatchTensors Create(IReadOnlyList<TrainingBlock> blocks, int padId, Device device)
    {
        var padded = new PaddedBatch(blocks.Select(b => b.Ids.Length));
        long labelled = 0;
        foreach (var block in blocks)
            foreach (int label in block.Labels)
                if (label != RobertaForMaskedLM.IgnoreIndex) labelled++;
        return new BatchTensors
        {
            InputIds = tensor(padded.Ids(b => blocks[b].Ids, padId), padded.Shape, device: device),
            Labels = tensor(padded.Labels(b => blocks[b].Labels), padded.Shape, device: device),
            AttentionMask = tensor(padded.AttentionMask(b => blocks[b].AttentionMask), padded.Shape, device: device),
            TokenCount = (long)padded.Rows * padded.Width,
            LabelCount = labelled,
        };
    }

    public void Dispose()
    {
        InputIds.Dispose();
        Labels.Dispose();
        AttentionMask.Dispose();
    }
}
