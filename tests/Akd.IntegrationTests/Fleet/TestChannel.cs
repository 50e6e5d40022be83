using Akd.Contracts.Trust;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Akd.IntegrationTests.Fleet;

/// <summary>A gRPC channel to a test coordinator that trusts its CA, and the invoker that presents a bearer token when given one.</summary>
internal sealed class TestChannel : IDisposable
{
    public TestChannel(string url, string caFile, string? token = null)
    {
        Channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                SslOptions = { RemoteCertificateValidationCallback = CaTrust.ServerValidator(CaTrust.LoadCertificate(caFile), trustSystem: false) },
            },
        });
        Invoker = token is null
            ? Channel.CreateCallInvoker()
            : Channel.Intercept(headers =>
            {
                headers.Add("authorization", $"Bearer {token}");
                return headers;
            });
    }

    public GrpcChannel Channel { get; }

    public CallInvoker Invoker { get; }

    public void Dispose() => Channel.Dispose();
}
