using System.Security.Cryptography.X509Certificates;
using Akd.Client.Channels;
using Akd.Contracts.Trust;
using Akd.Contracts.V1;
using Grpc.Core;

namespace Akd.Testing;

/// <summary>
/// A channel to a test coordinator through the client library, trusting its CA alone, presenting a bearer
/// token or an agent's certificate when given one.
/// </summary>
public sealed class TestChannel : IDisposable
{
    private readonly ClientChannel _channel;

    /// <param name="clientCertificate">An agent's certificate with its key, presented in the TLS handshake.</param>
    public TestChannel(string url, string caFile, string? token = null, X509Certificate2? clientCertificate = null)
    {
        _channel = new ClientChannel(new ClientChannelOptions
        {
            Address = url,
            Ca = CaTrust.LoadCertificate(caFile),
            BearerToken = token,
            ClientCertificate = clientCertificate is null ? null : () => clientCertificate,
        });
    }

    /// <summary>A channel that presents the certificate an enrolled agent keeps under <paramref name="agentDataDir"/>.</summary>
    public static TestChannel AsAgent(string url, string caFile, string agentDataDir) =>
        new(url, caFile, clientCertificate: X509Certificate2.CreateFromPemFile(
            Path.Combine(agentDataDir, "identity", "agent.crt"), Path.Combine(agentDataDir, "identity", "agent.key")));

    public CallInvoker Invoker => _channel.Invoker;

    /// <summary>A join token, as <c>akdctl agents join-token --labels L [--name N]</c> asks for it (needs an admin token).</summary>
    public async Task<string> JoinTokenAsync(
        string labels, string? name = null, string? prefix = null, int uses = 1, int ttlSeconds = 0, CancellationToken ct = default)
    {
        var request = new CreateJoinTokenRequest { Name = name ?? "", NamePrefix = prefix ?? "", Uses = uses, TtlSeconds = ttlSeconds };
        foreach (var pair in labels.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            request.Labels[pair[..eq]] = pair[(eq + 1)..];
        }

        var reply = await new AgentAccess.AgentAccessClient(Invoker).CreateJoinTokenAsync(request, cancellationToken: ct).ConfigureAwait(false);
        return reply.Token;
    }

    public void Dispose() => _channel.Dispose();
}
