using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Akd.Contracts.V1;

/// <summary>
/// Completes every message that crosses the wire (<see cref="WireVocabulary.Complete"/>): what arrives gets the enums
/// an older peer sent only as text, what leaves gets the text an older peer reads. On the coordinator's server and
/// on every client channel (akdctl, the agent), so the rest of the code deals in enums alone.
/// </summary>
public sealed class VocabularyInterceptor : Interceptor
{
    public static VocabularyInterceptor Instance { get; } = new();

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        WireVocabulary.Complete(request as Google.Protobuf.IMessage);
        return WireVocabulary.Completed(await continuation(request, context).ConfigureAwait(false));
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        WireVocabulary.Completed(await continuation(new Reader<TRequest>(requestStream), context).ConfigureAwait(false));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        WireVocabulary.Complete(request as Google.Protobuf.IMessage);
        return continuation(request, new ServerWriter<TResponse>(responseStream), context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(new Reader<TRequest>(requestStream), new ServerWriter<TResponse>(responseStream), context);

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, BlockingUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var response = continuation(WireVocabulary.Completed(request), context);
        WireVocabulary.Complete(response as Google.Protobuf.IMessage);
        return response;
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(WireVocabulary.Completed(request), context);
        return new AsyncUnaryCall<TResponse>(Arrived(call.ResponseAsync), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(WireVocabulary.Completed(request), context);
        return new AsyncServerStreamingCall<TResponse>(
            new Reader<TResponse>(call.ResponseStream), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(context);
        return new AsyncClientStreamingCall<TRequest, TResponse>(
            new ClientWriter<TRequest>(call.RequestStream), Arrived(call.ResponseAsync), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(context);
        return new AsyncDuplexStreamingCall<TRequest, TResponse>(
            new ClientWriter<TRequest>(call.RequestStream), new Reader<TResponse>(call.ResponseStream),
            call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    private static async Task<T> Arrived<T>(Task<T> response)
    {
        var message = await response.ConfigureAwait(false);
        WireVocabulary.Complete(message as Google.Protobuf.IMessage);
        return message;
    }

    private sealed class Reader<T>(IAsyncStreamReader<T> inner) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            if (!await inner.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            WireVocabulary.Complete(inner.Current as Google.Protobuf.IMessage);
            return true;
        }
    }

    private sealed class ServerWriter<T>(IServerStreamWriter<T> inner) : IServerStreamWriter<T> where T : class
    {
        public WriteOptions? WriteOptions { get => inner.WriteOptions; set => inner.WriteOptions = value; }

        public Task WriteAsync(T message) => inner.WriteAsync(WireVocabulary.Completed(message));

        public Task WriteAsync(T message, CancellationToken cancellationToken) => inner.WriteAsync(WireVocabulary.Completed(message), cancellationToken);
    }

    private sealed class ClientWriter<T>(IClientStreamWriter<T> inner) : IClientStreamWriter<T> where T : class
    {
        public WriteOptions? WriteOptions { get => inner.WriteOptions; set => inner.WriteOptions = value; }

        public Task CompleteAsync() => inner.CompleteAsync();

        public Task WriteAsync(T message) => inner.WriteAsync(WireVocabulary.Completed(message));

        public Task WriteAsync(T message, CancellationToken cancellationToken) => inner.WriteAsync(WireVocabulary.Completed(message), cancellationToken);
    }
}
