using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetMlm.DataView;
using MlNetMlm.Json;
using MlNetMlm.MLNetInternals;

namespace MlNetMlm.Flatten;

/// <summary>
/// Adds dotted columns read from text columns holding JSON objects (<c>answers</c> → <c>answers.text</c>, ...).
/// The input columns stay (drop them with <c>mlContext.Transforms.DropColumns</c> if unwanted). Nested
/// objects give deeper names (<c>a.b.c</c>); arrays of objects and lists of lists stay JSON text.
/// An empty input text gives every column its missing-value default (see <see cref="JsonColumnKind"/>).
/// </summary>
public sealed class FlattenJsonTransformer : RowMappingTransformer
{
    internal const string LoaderSignature = "MlNetMlmFlattenJson";
    internal static readonly ComponentFormat Format = new("MLMFLATJ", LoaderSignature, 0x00010001, typeof(FlattenJsonTransformer));
    internal const string Component = "FlattenJson";

    internal FlattenJsonTransformer(IReadOnlyList<FlattenedGroup> groups, bool useDouble)
    {
        foreach (var group in groups)
        {
            if (string.IsNullOrEmpty(group.InputColumnName)) throw new ArgumentException($"{Component}: an input column name is empty.", nameof(groups));
            // Validates the dotted names (no duplicates, no column that is also a parent).
            JsonLayout.Build(group.Columns, splitDots: true, prefix: group.InputColumnName + ".");
        }
        Groups = groups;
        UseDouble = useDouble;
    }

    /// <summary>The flattened input columns and the columns made from each.</summary>
    internal IReadOnlyList<FlattenedGroup> Groups { get; }

    /// <summary>Whether numbers are <c>Double</c> (else <c>Single</c>).</summary>
    public bool UseDouble { get; }

    private protected override IReadOnlyList<OutputColumn> AddedColumns(DataViewSchema inputSchema)
    {
        var added = new List<OutputColumn>();
        foreach (var group in Groups)
        {
            var input = SchemaChecks.RequireText(inputSchema, group.InputColumnName, Component);
            var layout = JsonLayout.Build(group.Columns, splitDots: true, prefix: group.InputColumnName + ".");
            // One parse per input row for all of this group's columns.
            var parsed = new ConditionalWeakTable<DataViewRow, FlattenedRow>();
            int count = group.Columns.Count;
            for (int i = 0; i < count; i++)
            {
                var column = group.Columns[i];
                int slot = i;
                added.Add(new OutputColumn(column.Name, JsonColumnTypes.TypeOf(column.Kind, UseDouble), [input], row =>
                {
                    var state = parsed.GetValue(row, r => new FlattenedRow(r, input, layout, count));
                    return JsonColumnTypes.Getter(column.Kind, UseDouble, state.Slots[slot], state.Refresh);
                }));
            }
        }
        return added;
    }

    internal static string TrimJsonMessage(string message)
    {
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd();
    }

    private protected override void SaveModel(ModelSaveContext ctx) => ModelStore.Save(ctx, Format, w =>
    {
        w.Values.Write(UseDouble);
        w.Values.Write(Groups.Count);
        foreach (var group in Groups)
        {
            w.Write(group.InputColumnName);
            w.Values.Write(group.Columns.Count);
            foreach (var column in group.Columns)
            {
                w.Write(column.Name);
                w.Values.Write((int)column.Kind);
            }
        }
    });

    internal static FlattenJsonTransformer Create(IHostEnvironment env, ModelLoadContext ctx) => ModelStore.Load(ctx, Format, r =>
    {
        bool useDouble = r.Values.ReadBoolean();
        var groups = new FlattenedGroup[r.Values.ReadInt32()];
        for (int g = 0; g < groups.Length; g++)
        {
            string input = r.ReadString();
            var columns = new JsonColumn[r.Values.ReadInt32()];
            for (int c = 0; c < columns.Length; c++)
            {
                string name = r.ReadString();
                var kind = (JsonColumnKind)r.Values.ReadInt32();
                if (!Enum.IsDefined(kind)) throw new InvalidDataException($"The saved {LoaderSignature} has an unknown column kind {(int)kind} for '{name}': the model file is damaged.");
                columns[c] = new JsonColumn(name, kind);
            }
            groups[g] = new FlattenedGroup(input, columns);
        }
        return new FlattenJsonTransformer(groups, useDouble);
    });
}
