using System.Net;
using System.Net.Sockets;

namespace Akd.Agent.Releases;

/// <summary>
/// Health-check connections that reach the VM under check while another VM listens on the same port
/// (<c>deploy.start_overlap: shared_port</c>, SO_REUSEPORT). The kernel hands each new connection to one of the
/// listeners by a hash of its addresses and ports, so an answer on the port may well come from the old VM; every
/// connection is looked up in /proc for the process that accepted it, and one another process took is closed and
/// made again (from another source port, so it hashes anew).
/// </summary>
internal static class SharedPortConnector
{
    /// <summary>Connections one attempt may make: with two listeners each lands on the VM under check about half the time.</summary>
    internal const int MaxConnections = 24;

    /// <summary>How often /proc is read while a connection waits in a listener's queue to be accepted.</summary>
    private static readonly TimeSpan AcceptPoll = TimeSpan.FromMilliseconds(5);

    /// <summary>A connection to <paramref name="target"/> that <paramref name="own"/> accepted.</summary>
    /// <exception cref="IOException">None of the connections reached <paramref name="own"/>: it does not listen on the port (yet).</exception>
    public static async ValueTask<Socket> ConnectAsync(DnsEndPoint target, int own, TimeProvider clock, CancellationToken ct)
    {
        var others = new SortedSet<int>();
        for (var made = 0; made < MaxConnections; made++)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(target, ct).ConfigureAwait(false);
                var (accepted, other) = await AcceptorAsync((IPEndPoint)socket.RemoteEndPoint!, (IPEndPoint)socket.LocalEndPoint!, own, clock, ct).ConfigureAwait(false);
                if (accepted)
                {
                    return socket;
                }

                if (other is { } pid)
                {
                    others.Add(pid);
                }
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            socket.Dispose();
        }

        var by = others.Count == 0 ? "another process" : $"pid {string.Join(", ", others)}";
        throw new IOException($"all {MaxConnections} connections to port {target.Port} were taken by {by}, none by the new VM (pid {own}): it does not listen on the port yet");
    }

    /// <returns>Whether <paramref name="own"/> accepted the connection; if not, who did, where /proc tells.</returns>
    private static async Task<(bool Accepted, int? Other)> AcceptorAsync(IPEndPoint server, IPEndPoint client, int own, TimeProvider clock, CancellationToken ct)
    {
        string? socket;
        while (PortOwner.TryFindAccepted(server, client, out socket) && socket is null)
        {
            await Task.Delay(AcceptPoll, clock, ct).ConfigureAwait(false);
        }

        if (socket is null)
        {
            return (false, null);
        }

        if (PortOwner.Holds(own, socket))
        {
            return (true, null);
        }

        return (false, PortOwner.ListenersOf(server).Where(pid => PortOwner.Holds(pid, socket)).Select(pid => (int?)pid).FirstOrDefault());
    }
}
