using System.Security.Cryptography.X509Certificates;
using Akd.Contracts.Trust;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Akd.IntegrationTests.Fleet;

/// <summary>A gRPC channel to a test coordinator that trusts its CA, and the invoker that presents a bearer token when given one.</summary>
internal sealed class TestChannel : IDisposable
{
    /// <param name="clientCertificate">An agent's certificate with its key, presented in the TLS handshake.</param>
    public TestChannel(string url, string caFile, string? token = null, X509Certificate2? clientCertificate = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = CaTrust.ServerValidator(CaTrust.LoadCertificate(caFile), trustSystem: false) },
        };
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }

        Channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions { HttpHandler = handler });
        Invoker = token is null
            ? Channel.CreateCallInvoker()
            : Channel.Intercept(headers =>
            {
                headers.Add("authorization", $"Bearer {token}");
                return headers;
            });
    }

    /// <summary>A channel that presents the certificate an enrolled agent keeps under <paramref name="agentDataDir"/>.</summary>
    public static TestChannel AsAgent(string url, string caFile, string agentDataDir) =>
        new(url, caFile, clientCertificate: X509Certificate2.CreateFromPemFile(
            Path.Combine(agentDataDir, "identity", "agent.crt"), Path.Combine(agentDataDir, "identity", "agent.key")));

    public GrpcChannel Channel { get; }

    public CallInvoker Invoker { get; }

    public void Dispose() => Channel.Dispose();
}
