using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Akd.Testing;

/// <summary>Loopback TCP ports: a free one to hand to a program, and waiting for one to listen.</summary>
public static class Ports
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
