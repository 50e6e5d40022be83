namespace Akd.Agent.Connection;

/// <summary>
/// The coordinator speaks another major version of the agent protocol: reconnecting cannot help until
/// one side is replaced, so the agent stops (exit code 3) instead of retrying.
/// </summary>
public sealed class ProtocolMismatchException(string message) : Exception(message);
