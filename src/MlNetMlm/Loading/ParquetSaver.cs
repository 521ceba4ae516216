using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm.Files;
using ParquetSharp;

namespace MlNetMlm.Loading;

/// <summary>
/// Writes an <see cref="IDataView"/> as a Parquet file, streaming: rows are gathered into row groups of
/// <see cref="RowsPerGroup"/> and written one group at a time. Scalars become Parquet scalars (text → string),
/// vectors become lists of their item type (so a token-id vector is <c>list&lt;int32&gt;</c>, what pyarrow,
/// DuckDB and 🤗 datasets read as a sequence of ints). The file appears only when complete (<see cref="AtomicFile"/>).
/// </summary>
internal static class ParquetSaver
{
    internal const string Component = "SaveAsParquet";

    public const int RowsPerGroup = 8192;

    private abstract class Buffer
    {
        public abstract Column Column { get; }
        public abstract void Add();
        public abstract void Write(RowGroupWriter group);
        public abstract void Clear();
    }

    private sealed class Scalar<TIn, TOut>(string name, ValueGetter<TIn> getter, Func<TIn, TOut> convert) : Buffer
    {
        private readonly List<TOut> _values = [];
        private TIn _value = default!;
        public override Column Column { get; } = new Column<TOut>(name);
        public override void Add() { getter(ref _value); _values.Add(convert(_value)); }
        public override void Write(RowGroupWriter group) { using var w = group.NextColumn().LogicalWriter<TOut>(); w.WriteBatch(_values.ToArray()); }
        public override void Clear() => _values.Clear();
    }

    private sealed class Vector<TIn, TOut>(string name, ValueGetter<VBuffer<TIn>> getter, Func<TIn, TOut> convert) : Buffer
    {
        private readonly List<TOut[]> _values = [];
        private VBuffer<TIn> _value;
        public override Column Column { get; } = new Column<TOut[]>(name);
        public override void Add()
        {
            getter(ref _value);
            var row = new TOut[_value.Length];
            int i = 0;
            foreach (var item in _value.DenseValues()) row[i++] = convert(item);
            _values.Add(row);
        }
        public override void Write(RowGroupWriter group) { using var w = group.NextColumn().LogicalWriter<TOut[]>(); w.WriteBatch(_values.ToArray()); }
        public override void Clear() => _values.Clear();
    }

    public static long Save(IDataView data, string path, IProgress<long>? rowsWritten, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var columns = data.Schema.Where(c => !c.IsHidden).ToList();
        if (columns.Count == 0) throw new ArgumentException($"{Component}: the data has no columns to write.", nameof(data));
        foreach (var column in columns) Check(column);

        long rows = 0;
        // Through the one atomic-write place: ParquetSharp writes to AtomicFile's temporary file as a managed stream.
        AtomicFile.Write(path, stream =>
        {
            using var cursor = data.GetRowCursor(columns);
            var buffers = columns.Select(c => Create(cursor, c)).ToArray();
            using var properties = new WriterPropertiesBuilder().Compression(Compression.Snappy).CreatedBy("MlNetMlm").Build();
            using var writer = new ParquetFileWriter(stream, buffers.Select(b => b.Column).ToArray(), LogicalTypeFactory.Default, properties, leaveOpen: true);
            int inGroup = 0;
            void Flush()
            {
                using var group = writer.AppendRowGroup();
                foreach (var buffer in buffers) { buffer.Write(group); buffer.Clear(); }
                inGroup = 0;
                rowsWritten?.Report(rows);
            }
            while (cursor.MoveNext())
            {
                cancel.ThrowIfCancellationRequested();
                foreach (var buffer in buffers) buffer.Add();
                rows++;
                if (++inGroup == RowsPerGroup) Flush();
            }
            if (inGroup > 0 || rows == 0) Flush();
            writer.Close();
        });
        return rows;
    }

    private static void Check(DataViewSchema.Column column)
    {
        var item = column.Type is VectorDataViewType vector ? vector.ItemType : column.Type;
        if (item is not (TextDataViewType or BooleanDataViewType) && item.RawType != typeof(float) && item.RawType != typeof(double)
            && item.RawType != typeof(int) && item.RawType != typeof(long))
            throw new ArgumentException($"{Component}: column '{column.Name}' holds {column.Type}; Parquet output takes text, Boolean, Single, Double, Int32 and Int64 columns and vectors of them.");
    }

    private static Buffer Create(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        string name = column.Name;
        return column.Type switch
        {
            VectorDataViewType { ItemType: TextDataViewType } => new Vector<ReadOnlyMemory<char>, string>(name, cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(column), t => t.ToString()),
            VectorDataViewType { ItemType: BooleanDataViewType } => new Vector<bool, bool>(name, cursor.GetGetter<VBuffer<bool>>(column), b => b),
            VectorDataViewType v when v.ItemType.RawType == typeof(float) => new Vector<float, float>(name, cursor.GetGetter<VBuffer<float>>(column), x => x),
            VectorDataViewType v when v.ItemType.RawType == typeof(double) => new Vector<double, double>(name, cursor.GetGetter<VBuffer<double>>(column), x => x),
            VectorDataViewType v when v.ItemType.RawType == typeof(int) => new Vector<int, int>(name, cursor.GetGetter<VBuffer<int>>(column), x => x),
            VectorDataViewType => new Vector<long, long>(name, cursor.GetGetter<VBuffer<long>>(column), x => x),
            TextDataViewType => new Scalar<ReadOnlyMemory<char>, string>(name, cursor.GetGetter<ReadOnlyMemory<char>>(column), t => t.ToString()),
            BooleanDataViewType => new Scalar<bool, bool>(name, cursor.GetGetter<bool>(column), b => b),
            var t when t.RawType == typeof(float) => new Scalar<float, float>(name, cursor.GetGetter<float>(column), x => x),
            var t when t.RawType == typeof(double) => new Scalar<double, double>(name, cursor.GetGetter<double>(column), x => x),
            var t when t.RawType == typeof(int) => new Scalar<int, int>(name, cursor.GetGetter<int>(column), x => x),
            _ => new Scalar<long, long>(name, cursor.GetGetter<long>(column), x => x),
        };
    }
}
