using Akd.Contracts.Trust;
using Akd.Contracts.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Akd.Client.Channels;

/// <summary>
/// HTTP/2 over TLS to the coordinator: the server certificate must chain to the pinned CA (or, when asked,
/// to the system store), and every call carries the caller's credential. Given several replicas' URLs, one
/// channel per URL and calls through any that can be reached (<see cref="FailoverCallInvoker"/>); a name with
/// several addresses is connected to at one of them, picked at random (<see cref="SpreadConnect"/>).
/// </summary>
public sealed class ClientChannel : IDisposable
{
    private readonly GrpcChannel[] _channels;
    private readonly IReadOnlyList<Uri> _addresses;
    private readonly FailoverCallInvoker? _failover;
    private readonly TimeSpan _shortCallTimeout;

    public ClientChannel(ClientChannelOptions options)
    {
        if (options.BearerToken is not null && options.ClientCertificate is not null)
        {
            throw new ArgumentException("a caller presents either a bearer token or a client certificate, not both", nameof(options));
        }

        _addresses = CoordinatorAddresses.TryParse(options.Address, out var addresses, out var error)
            ? addresses
            : throw new ArgumentException($"--coordinator: {error}", nameof(options));
        _shortCallTimeout = options.ShortCallTimeout;
        _channels = [.. _addresses.Select(address => Open(address, options))];
        var invokers = _channels.Select(channel => WithCredential(channel, options.BearerToken)).ToArray();
        if (invokers.Length == 1)
        {
            Invoker = invokers[0].Intercept(VocabularyInterceptor.Instance);
        }
        else
        {
            _failover = new FailoverCallInvoker(invokers, options.FirstAddress ?? Random.Shared.Next(invokers.Length));
            Invoker = _failover.Intercept(VocabularyInterceptor.Instance);
        }
    }

    /// <summary>What generated clients call through.</summary>
    public CallInvoker Invoker { get; }

    /// <summary>The deadline of a short call (<see cref="ClientChannelOptions.ShortCallTimeout"/>) started now.</summary>
    public DateTime ShortDeadline(TimeProvider? clock = null) => (clock ?? TimeProvider.System).GetUtcNow().UtcDateTime + _shortCallTimeout;

    /// <summary>The URL calls go to now (with several, the replica last reached, or next to try).</summary>
    public Uri Address => _addresses[_failover?.Current ?? 0];

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }

    private static GrpcChannel Open(Uri address, ClientChannelOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            // The handler's timeout covers TCP and TLS; the TCP connect alone has its own, shorter one (ConnectTcpAsync).
            ConnectTimeout = options.HandshakeTimeout,
            EnableMultipleHttp2Connections = options.EnableMultipleHttp2Connections,
            InitialHttp2StreamWindowSize = options.InitialHttp2StreamWindowSize,
            ConnectCallback = (context, ct) => new ValueTask<Stream>(
                ConnectTcpAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, options.ConnectTimeout, ct)),
        };
        if (options.KeepAlivePingDelay is { } ping)
        {
            handler.KeepAlivePingDelay = ping;
            handler.KeepAlivePingTimeout = options.KeepAlivePingTimeout;
            handler.KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always;
        }

        if (options.Ca is { } ca && !options.TrustSystemStore)
        {
            // One chain build per handshake, SslStream's own, against the pinned CA alone (agents, bench).
            handler.SslOptions.CertificateChainPolicy = CaTrust.PinnedPolicy(ca, CaTrust.ServerAuth);
            handler.SslOptions.RemoteCertificateValidationCallback = CaTrust.PinnedServerValidator;
        }
        else
        {
            handler.SslOptions.RemoteCertificateValidationCallback = CaTrust.ServerValidator(options.Ca, options.TrustSystemStore);
        }

        if (options.ClientCertificate is { } certificate)
        {
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate();
        }

        return GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = options.MaxReceiveMessageSize,
        });
    }

    /// <summary>The TCP connection, within <paramref name="timeout"/>; past it, a timed-out socket error (a connect failure).</summary>
    private static async Task<Stream> ConnectTcpAsync(string host, int port, TimeSpan timeout, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(timeout);
        try
        {
            return await SpreadConnect.ConnectAsync(host, port, SpreadConnect.SystemResolver, bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.TimedOut);
        }
    }

    private static CallInvoker WithCredential(GrpcChannel channel, string? token) => token is null
        ? channel.CreateCallInvoker()
        : channel.Intercept(headers =>
        {
            headers.Add("authorization", $"Bearer {token}");
            return headers;
        });
}
