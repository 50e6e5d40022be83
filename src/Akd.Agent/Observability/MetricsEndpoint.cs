using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Akd.Agent.Observability;

/// <summary>
/// Serves <c>GET /metrics</c> over plain HTTP/1.1 on 127.0.0.1 only (<c>--metrics-port</c>): the agent keeps no inbound
/// port off the host, and a local collector (or an SSH tunnel) scrapes it. One request per connection; a request
/// line and headers larger than <see cref="MaxRequestBytes"/> or slower than <see cref="RequestTimeout"/> are dropped.
/// </summary>
internal sealed partial class MetricsEndpoint(PrometheusMetrics metrics, int port, ILogger<MetricsEndpoint> logger) : BackgroundService
{
    /// <summary>A scraper's request is one line and a few headers.</summary>
    internal const int MaxRequestBytes = 8 * 1024;

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private TcpListener? _listener;

    /// <summary>The port it listens on (the one asked for, or the one the system chose for 0 in tests).</summary>
    public int Port => ((IPEndPoint)_listener!.LocalEndpoint).Port;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Bound before the host reports started, so a port in use stops the agent with the reason, as a wrong flag does.
        _listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            _listener.Start();
        }
        catch (SocketException ex)
        {
            throw new IOException($"--metrics-port {port}: cannot listen on 127.0.0.1:{port}: {ex.Message}", ex);
        }

        LogListening(Port);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listener = _listener!;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stoppingToken).ConfigureAwait(false);
                _ = ServeAsync(client, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            listener.Stop();
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken stoppingToken)
    {
        using var _ = client;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            var stream = client.GetStream();
            var requestLine = await ReadRequestLineAsync(stream, timeout.Token).ConfigureAwait(false);
            if (requestLine is null)
            {
                return;
            }

            var parts = requestLine.Split(' ');
            var path = parts.Length == 3 ? parts[1].Split('?')[0] : "";
            var (status, body) = (parts[0], path) switch
            {
                ("GET", "/metrics") => ("200 OK", metrics.Scrape()),
                ("GET", _) => ("404 Not Found", "not found: the agent serves /metrics only\n"),
                _ => ("405 Method Not Allowed", "GET /metrics only\n"),
            };
            var bytes = Encoding.UTF8.GetBytes(body);
            var head = Encoding.ASCII.GetBytes(
                $"HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n");
            await stream.WriteAsync(head, timeout.Token).ConfigureAwait(false);
            await stream.WriteAsync(bytes, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
        {
            // A scraper that went away or stalled: nothing to answer.
        }
    }

    /// <summary>Reads up to the blank line that ends the headers and returns the request line; null for a request too large or cut short.</summary>
    private static async Task<string?> ReadRequestLineAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new byte[MaxRequestBytes];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), ct).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }

            length += read;
            var end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                var line = buffer.AsSpan(0, end).IndexOf("\r\n"u8);
                return Encoding.ASCII.GetString(buffer, 0, line >= 0 ? line : end);
            }
        }

        return null;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Metrics on http://127.0.0.1:{Port}/metrics")]
    private partial void LogListening(int port);
}
