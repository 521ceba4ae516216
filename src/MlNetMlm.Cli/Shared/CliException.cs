namespace MlNetMlm.Cli.Shared;

/// <summary>A user-facing problem (bad option, missing file, bad data): its message is all the user sees.</summary>
internal sealed class CliException(string message) : Exception(message);
