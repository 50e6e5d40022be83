using System.Net;
using System.Net.Sockets;

namespace Akd.Client.Channels;

/// <summary>
/// Opens the TCP connection of a channel to a name with several addresses (replicas behind one DNS name):
/// every address in a random order, so clients spread over the replicas and one that is down is skipped.
/// The TLS handshake that follows still checks the certificate against the name.
/// </summary>
public static class SpreadConnect
{
    /// <summary>Resolves a host name to its addresses (the system resolver unless a test gives another).</summary>
    public delegate Task<IPAddress[]> Resolver(string host, CancellationToken ct);

    public static Task<IPAddress[]> SystemResolver(string host, CancellationToken ct) => Dns.GetHostAddressesAsync(host, ct);

    /// <summary>A connected stream to one of <paramref name="host"/>'s addresses; the last refusal when none answers.</summary>
    public static async Task<Stream> ConnectAsync(string host, int port, Resolver resolve, CancellationToken ct)
    {
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await resolve(host, ct).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        addresses = (IPAddress[])addresses.Clone();
        Random.Shared.Shuffle(addresses);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), ct).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }
}
