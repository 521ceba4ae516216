using System.Globalization;

namespace MlNetMlm.Modeling;

/// <summary>How big the model a <see cref="RobertaConfig"/> describes is, computed before anything is allocated.</summary>
internal static class ModelSize
{
    /// <summary>The number of parameters, or null when it does not fit in 64 bits.</summary>
    public static long? ParameterCount(RobertaConfig config)
    {
        // The sum of CheckpointValidator.ExpectedShapes, in closed form (a test keeps the two equal).
        long v = config.VocabSize, h = config.HiddenSize, i = config.IntermediateSize;
        try
        {
            checked
            {
                long embeddings = v * h + config.MaxPositionEmbeddings * h + config.TypeVocabSize * h + 2 * h;
                long layer = 4 * (h * h + h) + 2 * h + (i * h + i) + (h * i + h) + 2 * h;
                long head = h * h + h + 2 * h + v;
                return embeddings + config.NumHiddenLayers * layer + head;
            }
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>Refuses a model whose weights alone would not fit in the memory this process may use.</summary>
    /// <exception cref="InvalidDataException">The weights need more than the available memory.</exception>
    public static void CheckFitsInMemory(RobertaConfig config, int bytesPerValue)
    {
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        long? count = ParameterCount(config);
        double bytes = (double)(count ?? long.MaxValue) * bytesPerValue;
        if (count is not null && bytes <= available) return;
        string need = count is null ? "more than 2^63 parameters" : string.Create(CultureInfo.InvariantCulture, $"{Gigabytes(bytes)} for its weights alone ({count:N0} parameters × {bytesPerValue} bytes)");
        throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
            $"config.json: the model it describes needs {need}, more than the {Gigabytes(available)} of memory available ({config}); check vocab_size, hidden_size, num_hidden_layers and intermediate_size."));
    }

    private static string Gigabytes(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1L << 30):0.0} GiB");
}
