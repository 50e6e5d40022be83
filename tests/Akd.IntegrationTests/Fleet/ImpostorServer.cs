using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Akd.IntegrationTests.Fleet;

/// <summary>
/// Something else answering on a host's port with 200 "ok" to every request, as an old process that
/// never let go of the port would: a health check must not take its answer for the new release's.
/// </summary>
internal sealed class ImpostorServer : IDisposable
{
    private static readonly byte[] Response = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private ImpostorServer(int port)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _loop = AcceptAsync(_stop.Token);
    }

    public static ImpostorServer Start(int port) => new(port);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(ct);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = AnswerAsync(client, ct);
        }
    }

    private static async Task AnswerAsync(TcpClient client, CancellationToken ct)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var buffer = new byte[4096];
                // One read is enough: the answer is the same whatever the request says.
                _ = await stream.ReadAsync(buffer, ct);
                await stream.WriteAsync(Response, ct);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
            {
            }
        }
    }
}
