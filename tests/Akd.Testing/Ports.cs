using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Akd.Testing;

/// <summary>Loopback TCP ports: a free one to hand to a program, and waiting for one to listen.</summary>
public static class Ports
{
    /// <summary>
    /// A port free now, below Linux's ephemeral range (32768 and up): a port from that range can be taken as
    /// the local port of any outgoing connection (health polls open many) before the program binds it.
    /// </summary>
    public static int Free()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: try another
            }
        }

        using var any = new TcpListener(IPAddress.Loopback, 0);
        any.Start();
        return ((IPEndPoint)any.LocalEndpoint).Port;
    }

    /// <param name="logs">What to show when nothing listens in time (the output of the program that should).</param>
    public static async Task WaitListeningAsync(int port, TimeSpan timeout, CancellationToken ct, Func<string>? logs = null)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, ct).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (watch.Elapsed < timeout)
            {
                await Task.Delay(50, ct).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                throw new TimeoutException($"nothing listens on {port} after {timeout.TotalSeconds:0}s:\n{logs?.Invoke()}");
            }
        }
    }
}
