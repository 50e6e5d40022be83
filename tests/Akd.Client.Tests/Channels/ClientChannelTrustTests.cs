using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akd.Client.Channels;
using Akd.Contracts.Trust;
using Grpc.Core;
using Grpc.Health.V1;

namespace Akd.Client.Tests.Channels;

/// <summary>A channel pinned to a CA (agents, bench) against a real coordinator: the handshake's own chain check decides.</summary>
public sealed class ClientChannelTrustTests(OneCoordinator fleet) : IClassFixture<OneCoordinator>
{
    [Fact(Timeout = 60_000)]
    public async Task CheckAsync_PinnedToTheCoordinatorsCa_Answered()
    {
        // Arrange
        using var channel = Pinned(CaTrust.LoadCertificate(fleet.Coordinator.CaFile));

        // Act
        var reply = await new Health.HealthClient(channel.Invoker).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(30));

        // Assert
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact(Timeout = 60_000)]
    public async Task CheckAsync_PinnedToAnotherCa_RefusedInTheHandshake()
    {
        // Arrange: a CA of the same shape that did not issue the coordinator's certificate.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Akd coordinator CA other", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        using var other = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        using var channel = Pinned(X509CertificateLoader.LoadCertificate(other.RawData));

        // Act
        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            new Health.HealthClient(channel.Invoker).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(30)).ResponseAsync);

        // Assert: no answer; the TLS handshake failed on the server's certificate.
        Assert.NotEqual(StatusCode.OK, refused.StatusCode);
        var http = Assert.IsType<HttpRequestException>(refused.Status.DebugException);
        Assert.Equal(HttpRequestError.SecureConnectionError, http.HttpRequestError);
        Assert.IsType<System.Security.Authentication.AuthenticationException>(http.InnerException);
    }

    private ClientChannel Pinned(X509Certificate2 ca) => new(new ClientChannelOptions { Address = fleet.Coordinator.Url, Ca = ca });
}
