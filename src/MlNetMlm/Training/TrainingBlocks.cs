using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.DataView;

namespace MlNetMlm.Training;

/// <summary>One training example: token ids, labels (-100 where ignored), and an optional attention mask.</summary>
internal readonly record struct TrainingBlock(int[] Ids, int[] Labels, int[]? AttentionMask);

/// <summary>
/// Reads the blocks of one pass over the data. Each call opens a new cursor, so the masking step
/// upstream draws fresh masks; the <c>rand</c> passed to the cursor makes them reproducible (the masking component
/// seeds its cursor from it). Blocks are small int arrays, so one pass fits in memory and can be shuffled.
/// </summary>
internal static class TrainingBlocks
{
    public static (DataViewSchema.Column Ids, DataViewSchema.Column Labels, DataViewSchema.Column? Mask) Columns(DataViewSchema schema, MaskedLmTrainerOptions options, string component)
    {
        var ids = SchemaChecks.RequireVector(schema, options.InputIdsColumnName, NumberDataViewType.Int32, component);
        var labels = SchemaChecks.RequireVector(schema, options.LabelsColumnName, NumberDataViewType.Int32, component);
        var maskColumn = schema.GetColumnOrNull(options.AttentionMaskColumnName);
        DataViewSchema.Column? mask = maskColumn is { IsHidden: false } ? SchemaChecks.RequireVector(schema, options.AttentionMaskColumnName, NumberDataViewType.Int32, component) : null;
        return (ids, labels, mask);
    }

    public static List<TrainingBlock> Read(IDataView data, MaskedLmTrainerOptions options, Random rand, string component, CancellationToken cancel)
    {
        var (idsColumn, labelsColumn, maskColumn) = Columns(data.Schema, options, component);
        var active = maskColumn is { } m ? new[] { idsColumn, labelsColumn, m } : new[] { idsColumn, labelsColumn };
        var blocks = new List<TrainingBlock>();
        using var cursor = data.GetRowCursor(active, rand);
        var idsGetter = cursor.GetGetter<VBuffer<int>>(idsColumn);
        var labelsGetter = cursor.GetGetter<VBuffer<int>>(labelsColumn);
        var maskGetter = maskColumn is { } mc ? cursor.GetGetter<VBuffer<int>>(mc) : null;
        VBuffer<int> ids = default, labels = default, mask = default;
        while (cursor.MoveNext())
        {
            cancel.ThrowIfCancellationRequested();
            idsGetter(ref ids);
            labelsGetter(ref labels);
            if (ids.Length != labels.Length)
                throw new InvalidDataException($"{component}: row {cursor.Position} has {ids.Length} ids but {labels.Length} labels; '{options.LabelsColumnName}' must match '{options.InputIdsColumnName}' position by position.");
            if (ids.Length == 0) continue;
            int[]? maskArray = null;
            if (maskGetter is not null)
            {
                maskGetter(ref mask);
                if (mask.Length != ids.Length)
                    throw new InvalidDataException($"{component}: row {cursor.Position} has {ids.Length} ids but an attention mask of {mask.Length}.");
                maskArray = mask.DenseValues().ToArray();
            }
            blocks.Add(new TrainingBlock(ids.DenseValues().ToArray(), labels.DenseValues().ToArray(), maskArray));
        }
        return blocks;
    }
}
