namespace MlNetMlm.Tests;

/// <summary>
/// DuckDB, an independent Parquet reader and writer, through the npm package <c>@duckdb/node-api</c>, installed on
/// first use into the git-ignored <c>tests/.node-duckdb</c> (CI pre-installs it). Without node or npm a test using it
/// is inconclusive with a printed reason.
/// </summary>
internal static class DuckDb
{
    public const string Version = "1.5.6-r.1";

    private static readonly string Folder = Path.Combine(RepoPaths.Root, "tests", ".node-duckdb");

    private const string Script = """
        import { DuckDBInstance } from '@duckdb/node-api';
        const db = await DuckDBInstance.create(':memory:');
        const connection = await db.connect();
        const result = await connection.runAndReadAll(process.argv[2]);
        for (const row of result.getRowObjectsJson()) process.stdout.write(JSON.stringify(row) + '\n');
        """;

    /// <summary>Runs one SQL statement; each result row as a JSON object, one a line.</summary>
    public static List<string> Query(string sql)
    {
        Install();
        var (code, output, error) = ExternalTool.Run("node", Path.Combine(Folder, "query.mjs"), sql);
        if (code != 0) Assert.Fail($"DuckDB query failed: {error}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private static void Install()
    {
        ExternalTool.Run("node", "--version"); // skips, with a printed reason, where node or npm is missing
        ExternalTool.Run("npm", "--version");
        Directory.CreateDirectory(Folder);
        File.WriteAllText(Path.Combine(Folder, "query.mjs"), Script);
        if (File.Exists(Path.Combine(Folder, "node_modules", "@duckdb", "node-api", "package.json"))) return;
        if (!File.Exists(Path.Combine(Folder, "package.json"))) File.WriteAllText(Path.Combine(Folder, "package.json"), """{ "name": "mlnetmlm-tests-duckdb", "private": true }""");
        var (code, _, error) = ExternalTool.Run("npm", "--prefix", Folder, "install", "--no-audit", "--no-fund", "--silent", $"@duckdb/node-api@{Version}");
        if (code != 0)
        {
            string reason = $"SKIPPED: npm could not install @duckdb/node-api@{Version}: {error.Trim()}";
            Console.WriteLine(reason);
            Assert.Inconclusive(reason);
        }
    }
}
