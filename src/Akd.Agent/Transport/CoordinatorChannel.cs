using Akd.Agent.Identity;
using Akd.Client.Channels;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Transport;

/// <summary>
/// One HTTP/2 channel to the coordinator, shared by the command stream and artifact transfers: mutual
/// TLS with the agent's certificate, trusting only the CA pinned at enrollment. Made on first use,
/// which comes after enrollment. With several replicas' URLs it starts at a random one and moves on to
/// the next when a connection cannot be opened.
/// </summary>
public sealed class CoordinatorChannel(IOptions<AgentOptions> options, AgentIdentity identity) : IDisposable
{
    private readonly Lazy<ClientChannel> _channel = new(() => Create(options.Value, identity));

    /// <summary>What clients call through.</summary>
    public CallInvoker Invoker => _channel.Value.Invoker;

    /// <summary>The coordinator URL calls go to now.</summary>
    public Uri Address => _channel.Value.Address;

    public void Dispose()
    {
        if (_channel.IsValueCreated)
        {
            _channel.Value.Dispose();
        }
    }

    private static ClientChannel Create(AgentOptions o, AgentIdentity identity)
    {
        if (!identity.IsEnrolled)
        {
            throw new InvalidOperationException("the agent is not enrolled yet");
        }

        return new ClientChannel(new ClientChannelOptions
        {
            Address = o.Coordinator,
            Ca = identity.Ca,
            ClientCertificate = () => identity.Certificate!,
            ConnectTimeout = o.ConnectTimeout,
            HandshakeTimeout = o.HandshakeTimeout,
            KeepAlivePingDelay = o.KeepAlivePingDelay,
            KeepAlivePingTimeout = o.KeepAlivePingTimeout,
        });
    }
}
