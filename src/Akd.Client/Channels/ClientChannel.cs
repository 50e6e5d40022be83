using Akd.Contracts.Trust;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Akd.Client.Channels;

/// <summary>
/// One HTTP/2 channel to the coordinator over TLS: the server certificate must chain to the pinned CA
/// (or, when asked, to the system store), and every call carries the caller's credential.
/// </summary>
public sealed class ClientChannel : IDisposable
{
    private readonly GrpcChannel _channel;

    public ClientChannel(ClientChannelOptions options)
    {
        if (options.BearerToken is not null && options.ClientCertificate is not null)
        {
            throw new ArgumentException("a caller presents either a bearer token or a client certificate, not both", nameof(options));
        }

        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            EnableMultipleHttp2Connections = options.EnableMultipleHttp2Connections,
            InitialHttp2StreamWindowSize = options.InitialHttp2StreamWindowSize,
        };
        if (options.KeepAlivePingDelay is { } ping)
        {
            handler.KeepAlivePingDelay = ping;
            handler.KeepAlivePingTimeout = options.KeepAlivePingTimeout;
            handler.KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always;
        }

        handler.SslOptions.RemoteCertificateValidationCallback = CaTrust.ServerValidator(options.Ca, options.TrustSystemStore);
        if (options.ClientCertificate is { } certificate)
        {
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate();
        }

        _channel = GrpcChannel.ForAddress(options.Address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = options.MaxReceiveMessageSize,
        });
        var token = options.BearerToken;
        Invoker = token is null
            ? _channel.CreateCallInvoker()
            : _channel.Intercept(headers =>
            {
                headers.Add("authorization", $"Bearer {token}");
                return headers;
            });
    }

    /// <summary>What generated clients call through.</summary>
    public CallInvoker Invoker { get; }

    public void Dispose() => _channel.Dispose();
}
