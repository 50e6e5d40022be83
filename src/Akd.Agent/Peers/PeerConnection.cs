using System.Net.Security;
using System.Net.Sockets;
using Akd.Agent.Identity;
using Akd.Contracts.V1;

namespace Akd.Agent.Peers;

/// <summary>
/// One mutual-TLS connection to one peer, for many pieces one after another: the handshake is paid once per peer
/// and download, not once per piece. Every request still carries the downloader's grant, which the peer checks.
/// Not for concurrent use: <see cref="PeerConnections"/> hands a connection to one fetch at a time.
/// </summary>
internal sealed class PeerConnection : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly SslStream _tls;

    private PeerConnection(TcpClient tcp, SslStream tls)
    {
        _tcp = tcp;
        _tls = tls;
    }

    public static async Task<PeerConnection> ConnectAsync(SwarmPeer peer, AgentIdentity identity, AgentOptions options, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.PeerConnectTimeout);
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(peer.Host, (int)peer.Port, timeout.Token).ConfigureAwait(false);
            var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            try
            {
                await tls.AuthenticateAsClientAsync(PeerTls.Client(identity.Certificate!, identity.Ca!, peer.Name), timeout.Token).ConfigureAwait(false);
                return new PeerConnection(tcp, tls);
            }
            catch
            {
                await tls.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>One piece, within <paramref name="timeout"/>; its bytes are unchecked (the caller checks them against the manifest).</summary>
    public async Task<ReadOnlyMemory<byte>> FetchAsync(PieceRequest request, string peer, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        await Frames.WriteAsync(_tls, request, deadline.Token).ConfigureAwait(false);
        var response = await Frames.ReadAsync(_tls, PieceResponse.Parser, deadline.Token).ConfigureAwait(false)
            ?? throw new IOException($"peer {peer} closed the connection without an answer");
        return response.Error.Length > 0 ? throw new PeerRefusedException($"peer {peer}: {response.Error}") : response.Data.Memory;
    }

    public async ValueTask DisposeAsync()
    {
        await _tls.DisposeAsync().ConfigureAwait(false);
        _tcp.Dispose();
    }
}

/// <summary>A peer answered, but would not or could not serve the piece.</summary>
internal sealed class PeerRefusedException(string message) : Exception(message);
