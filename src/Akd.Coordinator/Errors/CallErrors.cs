namespace Akd.Coordinator.Errors;

// Why a call is refused, as types: services and the stores under them throw these, and
// RpcErrorInterceptor alone turns each into its gRPC status. The message goes to the caller as is.

/// <summary>The request is malformed or names something that cannot be valid (INVALID_ARGUMENT).</summary>
public sealed class InvalidRequestException(string message) : Exception(message);

/// <summary>What the request names does not exist (NOT_FOUND).</summary>
public sealed class NotFoundException(string message) : Exception(message);

/// <summary>What the request would create exists already (ALREADY_EXISTS).</summary>
public sealed class AlreadyExistsException(string message) : Exception(message);

/// <summary>The request is valid, but the system is not in a state that allows it (FAILED_PRECONDITION).</summary>
public sealed class PreconditionFailedException(string message) : Exception(message);

/// <summary>The caller presented no identity, or one that is not accepted (UNAUTHENTICATED).</summary>
public sealed class UnauthenticatedException(string message) : Exception(message);

/// <summary>The caller is known but may not do this (PERMISSION_DENIED).</summary>
public sealed class PermissionDeniedException(string message) : Exception(message);

/// <summary>The request is over a limit: size, free space (RESOURCE_EXHAUSTED).</summary>
public sealed class LimitExceededException(string message) : Exception(message);

/// <summary>A position in the request lies outside what exists, e.g. a download offset (OUT_OF_RANGE).</summary>
public sealed class PositionOutOfRangeException(string message) : Exception(message);

/// <summary>The bytes sent are not what was declared; nothing was kept (DATA_LOSS).</summary>
public sealed class CorruptDataException(string message) : Exception(message);

/// <summary>A refusal that also tells programs what it ran into, as trailers beside its status.</summary>
public interface IRefusalTrailers
{
    IReadOnlyDictionary<string, string> Trailers { get; }
}

/// <summary>
/// The agent speaks an agent protocol of another major version (FAILED_PRECONDITION); the trailer
/// <c>akd-protocol</c> names this coordinator's version, for the agent to say which side to upgrade.
/// </summary>
public sealed class ProtocolRefusedException(string message, string coordinatorVersion) : Exception(message), IRefusalTrailers
{
    public IReadOnlyDictionary<string, string> Trailers { get; } = new Dictionary<string, string> { [Akd.Contracts.V1.AgentProtocol.RefusedTrailer] = coordinatorVersion };
}

/// <summary>
/// A concurrent change got there first, or holds what the request needs; asking again may succeed (ABORTED).
/// <see cref="Trailers"/> tell programs what it ran into (e.g. which deployment holds a lock).
/// </summary>
public sealed class ConcurrentChangeException : Exception, IRefusalTrailers
{
    public ConcurrentChangeException(string message)
        : this(message, new Dictionary<string, string>())
    {
    }

    public ConcurrentChangeException(string message, IReadOnlyDictionary<string, string> trailers)
        : base(message) => Trailers = trailers;

    public IReadOnlyDictionary<string, string> Trailers { get; }
}
