using Grpc.Core;

namespace Akd.Client.Channels;

/// <summary>
/// Calls through one of several coordinator replicas, sticking to the one that last answered. A call that could
/// not connect (<see cref="ConnectFailures.NotSent"/>) moves every later call to the next replica; unary and
/// server-streaming calls are then tried again there, each replica once. A call that reached a replica is never
/// repeated elsewhere: its outcome is unknown, and only the caller knows whether repeating it is safe.
/// </summary>
internal sealed class FailoverCallInvoker(IReadOnlyList<CallInvoker> invokers, int first) : CallInvoker
{
    private int _current = first % invokers.Count;

    /// <summary>The index of the replica calls go to now.</summary>
    public int Current => Volatile.Read(ref _current);

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        for (var attempt = 1; ; attempt++)
        {
            var index = Current;
            try
            {
                return invokers[index].BlockingUnaryCall(method, host, options, request);
            }
            catch (RpcException ex) when (ConnectFailures.NotSent(ex))
            {
                Unreachable(index);
                if (attempt >= invokers.Count || options.CancellationToken.IsCancellationRequested)
                {
                    throw;
                }
            }
        }
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var attempt = new Attempt<AsyncUnaryCall<TResponse>>();
        var response = UnaryAsync(method, host, options, request, attempt);
        return new AsyncUnaryCall<TResponse>(
            response,
            HeadersAfterAsync(response, () => attempt.Call.ResponseHeadersAsync),
            () => attempt.Call.GetStatus(),
            () => attempt.Call.GetTrailers(),
            () => attempt.Call.Dispose());
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        var reader = new FailoverReader<TResponse>(this, index => invokers[index].AsyncServerStreamingCall(method, host, options, request));
        return new AsyncServerStreamingCall<TResponse>(
            reader,
            reader.HeadersAsync(),
            () => reader.Call.GetStatus(),
            () => reader.Call.GetTrailers(),
            reader.Dispose);
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var index = Current;
        var call = invokers[index].AsyncClientStreamingCall(method, host, options);
        Watch(call.ResponseHeadersAsync, index);
        return call;
    }

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options)
    {
        var index = Current;
        var call = invokers[index].AsyncDuplexStreamingCall(method, host, options);
        Watch(call.ResponseHeadersAsync, index);
        return call;
    }

    /// <summary>The replica at <paramref name="index"/> could not be reached: the next one takes the calls (unless another call moved on already).</summary>
    internal void Unreachable(int index) => Interlocked.CompareExchange(ref _current, (index + 1) % invokers.Count, index);

    internal int Count => invokers.Count;

    private async Task<TResponse> UnaryAsync<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request, Attempt<AsyncUnaryCall<TResponse>> attempt)
        where TRequest : class
        where TResponse : class
    {
        for (var tries = 1; ; tries++)
        {
            var index = Current;
            attempt.Call = invokers[index].AsyncUnaryCall(method, host, options, request);
            try
            {
                return await attempt.Call.ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException ex) when (ConnectFailures.NotSent(ex))
            {
                Unreachable(index);
                if (tries >= invokers.Count || options.CancellationToken.IsCancellationRequested)
                {
                    throw;
                }

                attempt.Call.Dispose();
            }
        }
    }

    /// <summary>A streaming call's connect failure shows in its headers: later calls go to the next replica (this one fails as it is).</summary>
    private void Watch(Task<Metadata> headers, int index) => headers.ContinueWith(
        t =>
        {
            if (t.Exception?.InnerException is RpcException ex && ConnectFailures.NotSent(ex))
            {
                Unreachable(index);
            }
        },
        CancellationToken.None,
        TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
        TaskScheduler.Default);

    private static async Task<Metadata> HeadersAfterAsync(Task response, Func<Task<Metadata>> headers)
    {
        try
        {
            await response.ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The headers of the attempt that ended the call say the rest.
        }

        return await headers().ConfigureAwait(false);
    }

    private sealed class Attempt<TCall>
        where TCall : class
    {
        public TCall Call { get; set; } = null!;
    }
}
