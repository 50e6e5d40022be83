using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Akd.Coordinator.Errors;

/// <summary>
/// The one place where a refused call gets its gRPC status: the typed exceptions of <c>CallErrors.cs</c>
/// become an <see cref="RpcException"/> with their message; anything else passes through unchanged.
/// Registered first, so it also maps what the interceptors after it throw.
/// </summary>
public sealed class RpcErrorInterceptor : Interceptor
{
    /// <summary>The status a typed refusal maps to; null for an exception that is not one.</summary>
    public static StatusCode? StatusFor(Exception ex) => ex switch
    {
        InvalidRequestException => StatusCode.InvalidArgument,
        NotFoundException => StatusCode.NotFound,
        AlreadyExistsException => StatusCode.AlreadyExists,
        PreconditionFailedException or ProtocolRefusedException => StatusCode.FailedPrecondition,
        UnauthenticatedException => StatusCode.Unauthenticated,
        PermissionDeniedException => StatusCode.PermissionDenied,
        LimitExceededException => StatusCode.ResourceExhausted,
        PositionOutOfRangeException => StatusCode.OutOfRange,
        CorruptDataException => StatusCode.DataLoss,
        ConcurrentChangeException => StatusCode.Aborted,
        _ => null,
    };

    private static RpcException ToRpc(StatusCode code, Exception ex)
    {
        var trailers = new Metadata();
        if (ex is IRefusalTrailers { Trailers: var named })
        {
            foreach (var (key, value) in named)
            {
                trailers.Add(key, value);
            }
        }

        return new RpcException(new Status(code, ex.Message), trailers);
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (StatusFor(ex) is { } code)
        {
            throw ToRpc(code, ex);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (StatusFor(ex) is { } code)
        {
            throw ToRpc(code, ex);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (StatusFor(ex) is { } code)
        {
            throw ToRpc(code, ex);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception ex) when (StatusFor(ex) is { } code)
        {
            throw ToRpc(code, ex);
        }
    }
}
