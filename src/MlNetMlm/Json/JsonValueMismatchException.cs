namespace MlNetMlm.Json;

/// <summary>
/// Raised inside the JSON reading code when a value does not fit its column's kind; the caller adds
/// where it happened (file and line for the loader, row and column for FlattenJson).
/// </summary>
internal sealed class JsonValueMismatchException : Exception
{
    public JsonValueMismatchException(long bytePosition, string message) : base(message) => BytePosition = bytePosition;

    /// <summary>Byte offset of the offending value in the parsed UTF-8 text.</summary>
    public long BytePosition { get; }
}
