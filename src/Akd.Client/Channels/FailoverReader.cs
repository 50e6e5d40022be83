using Grpc.Core;

namespace Akd.Client.Channels;

/// <summary>
/// The response stream of a server-streaming call through <see cref="FailoverCallInvoker"/>: until the first
/// message (or the end) arrives, a call that could not connect is started again on the next replica.
/// </summary>
internal sealed class FailoverReader<TResponse> : IAsyncStreamReader<TResponse>, IDisposable
{
    private readonly FailoverCallInvoker _invoker;
    private readonly Func<int, AsyncServerStreamingCall<TResponse>> _start;
    private int _index;
    private int _tries = 1;
    private bool _received;
    private volatile AsyncServerStreamingCall<TResponse> _call;

    public FailoverReader(FailoverCallInvoker invoker, Func<int, AsyncServerStreamingCall<TResponse>> start)
    {
        _invoker = invoker;
        _start = start;
        _index = invoker.Current;
        _call = start(_index);
    }

    /// <summary>The attempt under way: the last one started.</summary>
    public AsyncServerStreamingCall<TResponse> Call => _call;

    public TResponse Current => Call.ResponseStream.Current;

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                var more = await Call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false);
                _received = true;
                return more;
            }
            catch (RpcException ex) when (!_received && ConnectFailures.NotSent(ex))
            {
                _invoker.Unreachable(_index);
                if (_tries >= _invoker.Count || cancellationToken.IsCancellationRequested)
                {
                    throw;
                }

                _tries++;
                Call.Dispose();
                _index = _invoker.Current;
                _call = _start(_index);
            }
        }
    }

    /// <summary>The headers of the first attempt, or of the one that replaced it once the stream is read.</summary>
    public async Task<Metadata> HeadersAsync()
    {
        while (true)
        {
            var call = _call;
            try
            {
                return await call.ResponseHeadersAsync.ConfigureAwait(false);
            }
            catch (RpcException) when (call != _call)
            {
            }
        }
    }

    public void Dispose() => _call.Dispose();
}
