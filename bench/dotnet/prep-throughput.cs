#:project ../../src/MlNetMlm/MlNetMlm.csproj
#:property Configuration=Release
#:property PublishAot=false
// Throughput of two data-preparation stages, printed (moved out of the unit tests, which keep small correctness
// checks): load + flatten over the SOTU corpus (10.8 M characters), both ways the library offers, and group(128) +
// mask over ~3.6 M generated token ids read as a trainer reads them. Best of several passes after a warm-up (tiered JIT,
// shared machine). Run: dotnet run bench/dotnet/prep-throughput.cs [path/to/sotu-eli5-shaped.jsonl]
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MlNetMlm;
using MlNetMlm.Loading;

string sotu = args.Length > 0 ? args[0]
    : Path.GetFullPath(Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? ".", "..", "..", "..", "shared", "data", "corpora", "sotu-eli5-shaped.jsonl"));
var ml = new MLContext(seed: 1);

double Best(int passes, Func<long> pass, out long result)
{
    result = pass(); // warm-up
    double best = double.MaxValue;
    for (int i = 0; i < passes; i++)
    {
        var clock = Stopwatch.StartNew();
        result = pass();
        best = Math.Min(best, clock.Elapsed.TotalSeconds);
    }
    return best;
}

if (File.Exists(sotu))
{
    double megabytes = new FileInfo(sotu).Length / 1e6;
    var loaded = ml.Data.LoadFromJsonLines(sotu);
    var views = new[]
    {
        ("LoadFromJsonLines + FlattenJson", ml.Transforms.FlattenJson("answers").Fit(loaded).Transform(loaded)),
        ("LoadFromJsonLines(Flatten = true)", ml.Data.LoadFromJsonLines(sotu, new JsonLinesOptions { Flatten = true })),
    };
    foreach (var (name, view) in views)
    {
        double seconds = Best(5, () => AnswerChars(view), out long chars);
        Console.WriteLine($"{name,-36} {chars:N0} answer chars, {seconds * 1000:F0} ms/pass, {megabytes / seconds:F0} MB/s");
    }
}
else
{
    Console.WriteLine($"SOTU corpus not found at {sotu}: load + flatten skipped.");
}

// ~3.6 M ids in 12,000 rows of 100–500 ids, as a tokenizer writes them.
var random = new Random(31);
var rows = Enumerable.Range(0, 12_000).Select(_ =>
{
    var row = Enumerable.Range(0, random.Next(100, 501)).Select(_ => random.Next(4, 50264)).ToArray();
    row[0] = 0;
    row[^1] = 2;
    return new IdsRow { Ids = row };
}).ToList();
long tokens = rows.Sum(r => (long)r.Ids.Length);
var data = ml.Data.LoadFromEnumerable(rows);
var model = ml.Transforms.GroupTexts().Append(ml.Transforms.MaskTokens(), TransformerScope.Training).Fit(data);
var grouped = model.First().Transform(data);
var masked = model.Transform(data, TransformerScope.Training);
double groupSeconds = Best(5, () => Drain(grouped, ["input_ids", "attention_mask"]), out long blocks);
double bothSeconds = Best(5, () => Drain(masked, ["input_ids", "labels", "attention_mask"]), out _);
Console.WriteLine($"{"group(128)",-36} {tokens:N0} ids, {blocks:N0} blocks in {groupSeconds:F3} s = {tokens / groupSeconds / 1e6:F1} M ids/s");
Console.WriteLine($"{"group(128) + mask",-36} {tokens:N0} ids in {bothSeconds:F3} s = {tokens / bothSeconds / 1e6:F1} M ids/s");

static long AnswerChars(IDataView flat)
{
    var column = flat.Schema["answers.text"];
    using var cursor = flat.GetRowCursor([column]);
    var getter = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(column);
    var value = default(VBuffer<ReadOnlyMemory<char>>);
    long chars = 0;
    while (cursor.MoveNext())
    {
        getter(ref value);
        foreach (var text in value.DenseValues()) chars += text.Length;
    }
    return chars;
}

static long Drain(IDataView view, string[] columns)
{
    var cols = columns.Select(c => view.Schema[c]).ToArray();
    using var cursor = view.GetRowCursor(cols, new Random(1));
    var getters = cols.Select(c => cursor.GetGetter<VBuffer<int>>(c)).ToArray();
    var buffer = default(VBuffer<int>);
    long rows = 0;
    while (cursor.MoveNext())
    {
        rows++;
        foreach (var getter in getters) getter(ref buffer);
    }
    return rows;
}

sealed class IdsRow
{
    [ColumnName("input_ids")]
    public int[] Ids { get; set; } = [];
}
