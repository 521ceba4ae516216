using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MlNetMlm.Json;
using ParquetSharp;

namespace MlNetMlm.Loading;

/// <summary>
/// A streaming <see cref="IDataView"/> over Parquet files: each cursor reads the files again, one row group at
/// a time and only the leaf columns it needs. Columns follow the JSON loader's model (<see cref="JsonColumnKind"/>):
/// strings → text, numbers → Single (or Double), booleans, lists of strings or numbers → vectors, structs →
/// JSON text (or dotted columns with <see cref="ParquetOptions.Flatten"/>), anything deeper → JSON text.
/// </summary>
internal sealed class ParquetDataView : IDataView
{
    internal const string Component = "LoadFromParquet";

    private ParquetDataView(IHost host, IReadOnlyList<string> paths, IReadOnlyList<(JsonColumn Column, ParquetField Field)> columns, ParquetOptions options, long rows)
    {
        Host = host;
        Paths = paths;
        Columns = columns;
        Options = options;
        _rows = rows;
        var builder = new DataViewSchema.Builder();
        foreach (var (column, _) in columns) builder.AddColumn(column.Name, JsonColumnTypes.TypeOf(column.Kind, options.UseDouble));
        Schema = builder.ToSchema();
    }

    private readonly long _rows;

    internal IHost Host { get; }

    internal IReadOnlyList<string> Paths { get; }

    internal IReadOnlyList<(JsonColumn Column, ParquetField Field)> Columns { get; }

    internal ParquetOptions Options { get; }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => false;

    public long? GetRowCount() => _rows; // from the files' footers

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new ParquetCursor(this, columnsNeeded);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded, rand)];

    /// <summary>
    /// Opens every file's footer now, so that a file that is not Parquet (or is cut short), a missing column
    /// or a type that cannot be read is an error before any work.
    /// </summary>
    public static ParquetDataView Create(IHostEnvironment env, IReadOnlyList<string> paths, ParquetOptions? options)
    {
        ArgumentNullException.ThrowIfNull(env);
        options ??= new ParquetOptions();
        if (paths.Count == 0) throw new ArgumentException($"{Component}: no files given.", nameof(paths));
        var host = env.Register(Component);
        List<(JsonColumn, ParquetField)>? columns = null;
        long rows = 0;
        foreach (var path in paths)
        {
            using var file = Open(path);
            rows += file.FileMetaData.NumRows;
            var fields = Addressable(ParquetField.Read(file.FileMetaData.Schema), options.Flatten);
            if (columns is null)
                columns = Choose(path, fields, options);
            else
                foreach (var (column, field) in columns)
                    if (!fields.TryGetValue(column.Name, out var other) || other.TypeName != field.TypeName)
                        throw new InvalidDataException($"{path}: column '{column.Name}' is {(other is null ? "missing" : $"of type {other.TypeName}")}, but {field.TypeName} in {paths[0]}; the files must have the same columns.");
        }
        using (var ch = host.Start(Component))
            ch.Info($"{Component}: {rows} row(s) in {paths.Count} file(s), columns {string.Join(", ", columns!.Select(c => $"{c.Item1.Name} ({c.Item1.Kind})"))}.");
        return new ParquetDataView(host, paths, columns!, options, rows);
    }

    internal static ParquetFileReader Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{Component}: file '{path}' not found.", path);
        try
        {
            return new ParquetFileReader(path);
        }
        catch (ParquetException e)
        {
            throw new InvalidDataException($"{path}: not a readable Parquet file (cut short, or another format?): {FirstLine(e.Message)}", e);
        }
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    /// <summary>The fields a column can name: the top-level ones and, when flattening, the fields of structs (not those inside lists).</summary>
    private static Dictionary<string, ParquetField> Addressable(List<ParquetField> top, bool flatten)
    {
        var all = new Dictionary<string, ParquetField>(StringComparer.Ordinal);
        void Add(ParquetField field)
        {
            all[field.Name] = field;
            if (flatten && field.Form == ParquetField.Shape.Struct) foreach (var child in field.Children) Add(child);
        }
        foreach (var field in top) Add(field);
        return all;
    }

    private static List<(JsonColumn, ParquetField)> Choose(string path, Dictionary<string, ParquetField> fields, ParquetOptions options)
    {
        var chosen = new List<(JsonColumn, ParquetField)>();
        if (options.Columns is null)
        {
            // Every column; with Flatten, structs are replaced by their fields (which is what Addressable listed after them).
            foreach (var field in fields.Values)
            {
                if (options.Flatten && field.Form == ParquetField.Shape.Struct) continue;
                chosen.Add((new JsonColumn(field.Name, field.Kind), Supported(path, field)));
            }
            return chosen;
        }
        if (options.Columns.Count == 0) throw new ArgumentException($"{Component}: Columns was given but is empty.", nameof(options));
        foreach (var column in options.Columns)
        {
            if (!fields.TryGetValue(column.Name, out var field))
                throw new InvalidDataException($"{path}: no column '{column.Name}'; columns present: {string.Join(", ", fields.Values.Select(f => $"{f.Name} ({f.TypeName})"))}."
                    + (options.Flatten || !column.Name.Contains('.') ? "" : " (struct fields are dotted columns only with ParquetOptions.Flatten)"));
            if (column.Kind != field.Kind && column.Kind != JsonColumnKind.Json)
                throw new InvalidDataException($"{path}: column '{column.Name}' has type {field.TypeName}, which reads as {field.Kind} (or Json), not {column.Kind}.");
            chosen.Add((column, Supported(path, field)));
        }
        return chosen;
    }

    private static ParquetField Supported(string path, ParquetField field) => field.Unsupported is null
        ? field
        : throw new InvalidDataException($"{path}: column '{field.Name}' has type {field.TypeName}, {field.Unsupported}; choose the other columns with ParquetOptions.Columns.");
}

/// <summary>One pass over a <see cref="ParquetDataView"/>: files in order, a row group at a time.</summary>
internal sealed class ParquetCursor : SlotCursor
{
    private readonly ParquetDataView _parent;
    private readonly int[] _active;           // indices of the active columns
    private readonly JsonSlot[] _slots;
    private int _file = -1;
    private ParquetFileReader? _reader;
    private int _group;
    private ParquetRowGroup? _rows;
    private long _row;

    public ParquetCursor(ParquetDataView parent, IEnumerable<DataViewSchema.Column> active) : base(parent.Schema, parent.Columns.Count)
    {
        _parent = parent;
        _slots = parent.Columns.Select(_ => new JsonSlot()).ToArray();
        _active = active.Select(c => c.Index).Distinct().Order().ToArray();
        foreach (int i in _active)
            Getters[i] = JsonColumnTypes.Getter(parent.Columns[i].Column.Kind, parent.Options.UseDouble, _slots[i], static () => { });
    }

    public override bool MoveNext()
    {
        while (_rows is null || _row >= _rows.Rows)
            if (!NextRowGroup()) return false;
        foreach (int i in _active) _rows.Read(_parent.Columns[i].Field, _parent.Columns[i].Column.Kind, _slots[i]);
        _row++;
        RowPosition++;
        return true;
    }

    private bool NextRowGroup()
    {
        _rows = null;
        while (_reader is null || _group >= _reader.FileMetaData.NumRowGroups)
        {
            _reader?.Dispose();
            _reader = null;
            if (++_file >= _parent.Paths.Count) return false;
            _reader = ParquetDataView.Open(_parent.Paths[_file]);
            _group = 0;
        }
        var fields = _active.Select(i => _parent.Columns[i].Field);
        try
        {
            _rows = new ParquetRowGroup(_reader, _group++, fields);
        }
        catch (ParquetException e)
        {
            throw new InvalidDataException($"{_parent.Paths[_file]}: row group {_group} cannot be read (is the file damaged?): {e.Message.Split('\n')[0].Trim()}", e);
        }
        _row = 0;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _reader?.Dispose();
        base.Dispose(disposing);
    }
}
