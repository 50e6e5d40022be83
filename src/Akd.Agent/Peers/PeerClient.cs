using System.Net.Security;
using System.Net.Sockets;
using Akd.Agent.Identity;
using Akd.Contracts.V1;

namespace Akd.Agent.Peers;

/// <summary>Fetches one piece from one peer over mutual TLS, within the connect and piece timeouts.</summary>
internal static class PeerClient
{
    public static async Task<byte[]> FetchAsync(SwarmPeer peer, PieceRequest request, AgentIdentity identity, AgentOptions options, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.PeerConnectTimeout);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(peer.Host, (int)peer.Port, timeout.Token).ConfigureAwait(false);
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(PeerTls.Client(identity.Certificate!, identity.Ca!, peer.Name), timeout.Token).ConfigureAwait(false);

        timeout.CancelAfter(options.PeerPieceTimeout);
        await Frames.WriteAsync(tls, request, timeout.Token).ConfigureAwait(false);
        var response = await Frames.ReadAsync(tls, PieceResponse.Parser, timeout.Token).ConfigureAwait(false)
            ?? throw new IOException($"peer {peer.Name} closed the connection without an answer");
        return response.Error.Length > 0 ? throw new PeerRefusedException($"peer {peer.Name}: {response.Error}") : response.Data.ToByteArray();
    }
}

/// <summary>A peer answered, but would not or could not serve the piece.</summary>
internal sealed class PeerRefusedException(string message) : Exception(message);
