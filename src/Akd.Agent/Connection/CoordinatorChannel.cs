using Akd.Agent.Identity;
using Akd.Contracts.Trust;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Connection;

/// <summary>
/// One HTTP/2 channel to the coordinator, shared by the command stream and artifact transfers: mutual
/// TLS with the agent's certificate, trusting only the CA pinned at enrollment. Made on first use,
/// which comes after enrollment.
/// </summary>
public sealed class CoordinatorChannel(IOptions<AgentOptions> options, AgentIdentity identity) : IDisposable
{
    private readonly Lazy<GrpcChannel> _channel = new(() => Create(options.Value, identity));

    /// <summary>What clients call through.</summary>
    public CallInvoker Invoker => _channel.Value.CreateCallInvoker();

    public void Dispose()
    {
        if (_channel.IsValueCreated)
        {
            _channel.Value.Dispose();
        }
    }

    private static GrpcChannel Create(AgentOptions o, AgentIdentity identity)
    {
        if (!identity.IsEnrolled)
        {
            throw new InvalidOperationException("the agent is not enrolled yet");
        }

        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = o.KeepAlivePingDelay,
            KeepAlivePingTimeout = o.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // Artifact downloads: starting at 64 KiB, the window grows slowly enough to cost a 512 MiB
            // download about a fifth of its time (bench/, scenario 2). Memory is only used while data is in flight.
            InitialHttp2StreamWindowSize = 4 * 1024 * 1024,
        };
        handler.SslOptions.RemoteCertificateValidationCallback = CaTrust.ServerValidator(identity.Ca, trustSystem: false);
        // Asked per connection, so a renewed certificate is used from the next connection on.
        handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => identity.Certificate!;
        return GrpcChannel.ForAddress(o.Coordinator, new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = 4 * 1024 * 1024,
        });
    }
}
