using static TorchSharp.torch;

namespace MlNetMlm.Training;

/// <summary>A batch on the device: [B, T] int64 ids, labels and attention mask, right-padded to the longest block.</summary>
internal sealed class BatchTensors : IDisposable
{
    public required Tensor InputIds { get; init; }
    public required Tensor Labels { get; init; }
    public required Tensor AttentionMask { get; init; }
    public long TokenCount { get; init; }
    public long LabelCount { get; init; }

    public static BatchTensors Create(IReadOnlyList<TrainingBlock> blocks, int padId, Device device)
    {
        int batch = blocks.Count;
        int length = blocks.Max(b => b.Ids.Length);
        var ids = new long[batch * length];
        var labels = new long[batch * length];
        var mask = new long[batch * length];
        long labelled = 0;
        for (int b = 0; b < batch; b++)
        {
            var block = blocks[b];
            int row = b * length;
            for (int t = 0; t < length; t++)
            {
                bool real = t < block.Ids.Length;
                ids[row + t] = real ? block.Ids[t] : padId;
                labels[row + t] = real ? block.Labels[t] : -100;
                mask[row + t] = real ? (block.AttentionMask?[t] ?? 1) : 0;
                if (real && block.Labels[t] != -100) labelled++;
            }
        }
        long[] shape = [batch, length];
        return new BatchTensors
        {
            InputIds = tensor(ids, shape, device: device),
            Labels = tensor(labels, shape, device: device),
            AttentionMask = tensor(mask, shape, device: device),
            TokenCount = (long)batch * length,
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
