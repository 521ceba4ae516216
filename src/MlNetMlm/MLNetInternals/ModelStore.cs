using Microsoft.ML;

namespace MlNetMlm.MLNetInternals;

/// <summary>
/// The one door from MlNetMlm's components to ML.NET's internal model save/load API. A component
/// writes its state through a <see cref="ModelWriter"/> and reads it back through a <see cref="ModelReader"/>;
/// it never touches <see cref="ModelSaveContext"/> or <see cref="ModelLoadContext"/> members itself.
/// </summary>
internal static class ModelStore
{
    public static void Save(ModelSaveContext ctx, ComponentFormat format, Action<ModelWriter> write)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.CheckAtModel();
        ctx.SetVersionInfo(format.ToVersionInfo());
        write(new ModelWriter(ctx));
    }

    public static T Load<T>(ModelLoadContext ctx, ComponentFormat format, Func<ModelReader, T> read)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ctx.CheckAtModel(format.ToVersionInfo());
        return read(new ModelReader(ctx, format));
    }
}

/// <summary>Writes a component's state: small values into the model's main stream, large ones as named entries of the zip.</summary>
internal sealed class ModelWriter
{
    private readonly ModelSaveContext _ctx;

    internal ModelWriter(ModelSaveContext ctx) => _ctx = ctx;

    public BinaryWriter Values => _ctx.Writer;

    public void Write(string value) => _ctx.Writer.Write(value);

    public void Write(string? value, bool nullable)
    {
        _ctx.Writer.Write(value is not null);
        if (value is not null) _ctx.Writer.Write(value);
    }

    /// <summary>Stores a named binary entry (weights, tokenizer files) beside the main stream.</summary>
    public void WriteBlob(string name, Action<Stream> write) =>
        _ctx.SaveBinaryStream(name, w => { w.Flush(); write(w.BaseStream); w.BaseStream.Flush(); });
}

/// <summary>Reads back what <see cref="ModelWriter"/> wrote.</summary>
internal sealed class ModelReader
{
    private readonly ModelLoadContext _ctx;
    private readonly ComponentFormat _format;

    internal ModelReader(ModelLoadContext ctx, ComponentFormat format)
    {
        _ctx = ctx;
        _format = format;
    }

    public BinaryReader Values => _ctx.Reader;

    public string ReadString() => _ctx.Reader.ReadString();

    public string? ReadNullableString() => _ctx.Reader.ReadBoolean() ? _ctx.Reader.ReadString() : null;

    /// <summary>Reads a named binary entry; a missing entry means a damaged model file.</summary>
    public T ReadBlob<T>(string name, Func<Stream, T> read)
    {
        T? result = default;
        bool found = _ctx.TryLoadBinaryStream(name, r => result = read(r.BaseStream));
        if (!found)
            throw new InvalidDataException($"The saved {_format.LoaderSignature} (format version {_format.Version}) has no '{name}' entry: the model file is damaged or was not written by MlNetMlm.");
        return result!;
    }
}
