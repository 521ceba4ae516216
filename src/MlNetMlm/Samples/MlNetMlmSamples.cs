using Microsoft.ML;
using Microsoft.ML.Runtime;
using MlNetMlm.Loading;

namespace MlNetMlm;

/// <summary>
/// Small data sets shipped inside the library, for demos, notebooks and tests.
/// </summary>
/// <remarks>
/// <b>ELI5 science sample</b>: 70 plain-language science questions (space — with several about stars,
/// galaxies and the Milky Way —, physics, biology, earth science and chemistry), each with three answers
/// of two to four sentences: 210 answers. It has the nested layout of the ELI5 data set (<c>q_id</c>,
/// <c>title</c>, <c>selftext</c>, <c>document</c>, <c>subreddit</c>, <c>answers: {a_id, text, score}</c>,
/// <c>title_urls</c>, <c>selftext_urls</c>, <c>answers_urls: {url}</c>), but every question and answer was
/// written for the MlNetMlm project; none is taken from Reddit or ELI5, so it carries no licence terms of
/// others and is distributed with MlNetMlm under the project's licence. Scores are made up.
/// </remarks>
public static class MlNetMlmSamples
{
    private const string Eli5Resource = "MlNetMlm.Samples.eli5-science.jsonl";

    /// <summary>
    /// The ELI5 science sample as a streaming <see cref="IDataView"/>, read with <c>LoadFromJsonLines</c>:
    /// the nested <c>answers</c> and <c>*_urls</c> columns hold JSON text; flatten them with
    /// <c>mlContext.Transforms.FlattenJson()</c>, or pass <c>new JsonLinesOptions { Flatten = true }</c>.
    /// </summary>
    public static IDataView Eli5(MLContext mlContext, JsonLinesOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return JsonLinesDataView.Create((IHostEnvironment)mlContext, [new JsonLinesInput($"resource {Eli5Resource}", OpenEli5)], options);
    }

    /// <summary>Opens the ELI5 science sample's JSON Lines text (UTF-8, one question per line).</summary>
    public static Stream OpenEli5() =>
        typeof(MlNetMlmSamples).Assembly.GetManifestResourceStream(Eli5Resource)
        ?? throw new InvalidOperationException($"The embedded resource '{Eli5Resource}' is missing from {typeof(MlNetMlmSamples).Assembly.FullName}.");

    /// <summary>Writes the ELI5 science sample to a <c>.jsonl</c> file (e.g. to try the CLI or Python on it).</summary>
    public static void WriteEli5(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var source = OpenEli5();
        Files.AtomicFile.Write(path, source.CopyTo);
    }
}
