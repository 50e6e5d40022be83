using Akd.Agent.Identity;
using Akd.Contracts.V1;

namespace Akd.Agent.Peers;

/// <summary>
/// The peer connections of one download: an idle connection to a peer is reused for its next piece, a fetch that
/// fails or times out closes its connection (its state is unknown), and everything is closed when the download ends.
/// </summary>
internal sealed class PeerConnections(AgentIdentity identity, AgentOptions options) : IAsyncDisposable
{
    private readonly Dictionary<string, Stack<PeerConnection>> _idle = new(StringComparer.Ordinal);
    private bool _disposed;

    public async Task<ReadOnlyMemory<byte>> FetchAsync(SwarmPeer peer, PieceRequest request, CancellationToken ct)
    {
        var connection = Take(peer.Name) ?? await PeerConnection.ConnectAsync(peer, identity, options, ct).ConfigureAwait(false);
        ReadOnlyMemory<byte> data;
        try
        {
            data = await connection.FetchAsync(request, peer.Name, options.PeerPieceTimeout, ct).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (!Return(peer.Name, connection))
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        return data;
    }

    /// <summary>Closes the idle connections to a peer the download gave up on.</summary>
    public async Task ForgetAsync(string peer)
    {
        List<PeerConnection> closing;
        lock (_idle)
        {
            closing = _idle.Remove(peer, out var idle) ? [.. idle] : [];
        }

        foreach (var connection in closing)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<PeerConnection> closing;
        lock (_idle)
        {
            _disposed = true;
            closing = [.. _idle.Values.SelectMany(s => s)];
            _idle.Clear();
        }

        foreach (var connection in closing)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private PeerConnection? Take(string peer)
    {
        lock (_idle)
        {
            return _idle.TryGetValue(peer, out var idle) && idle.TryPop(out var connection) ? connection : null;
        }
    }

    private bool Return(string peer, PeerConnection connection)
    {
        lock (_idle)
        {
            if (_disposed)
            {
                return false;
            }

            if (!_idle.TryGetValue(peer, out var idle))
            {
                _idle[peer] = idle = new Stack<PeerConnection>();
            }

            idle.Push(connection);
            return true;
        }
    }
}
