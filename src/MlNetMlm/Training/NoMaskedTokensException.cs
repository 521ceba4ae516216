namespace MlNetMlm.Training;

/// <summary>
/// Evaluation data gave no masked (labelled) token, so there is no loss to report: the data is empty, shorter
/// than one block, or was not masked. A type of its own so that callers can say what to change without
/// reading the message.
/// </summary>
public sealed class NoMaskedTokensException : InvalidOperationException
{
    public NoMaskedTokensException(string message) : base(message) { }
}
