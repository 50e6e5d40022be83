using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akd.Agent.Peers;
using Akd.Contracts.V1;
using Google.Protobuf;

namespace Akd.Agent.Tests.Peers;

/// <summary>The grant check a serving peer makes, against a real ECDSA CA as the coordinator makes one.</summary>
public sealed class PeerGrantsTests : IDisposable
{
    private const string Sha = "cd00000000000000000000000000000000000000000000000000000000000000";
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 5, 0, 0, TimeSpan.Zero);
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _ca;

    public PeerGrantsTests()
    {
        var request = new CertificateRequest("CN=test CA", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        _ca = request.CreateSelfSigned(Now.AddDays(-1), Now.AddDays(1));
    }

    public void Dispose()
    {
        _ca.Dispose();
        _caKey.Dispose();
    }

    [Fact]
    public void Check_GrantForThisAgentAndArtifact_Holds()
    {
        // Arrange
        var grant = Grant(Sha, "web-2", Now.AddMinutes(5), _caKey);

        // Act
        var refused = PeerGrants.Check(grant, Sha, "web-2", _ca, Now);

        // Assert
        Assert.Null(refused);
    }

    [Fact]
    public void Check_OtherAgentOtherArtifactExpiredForgedOrMissing_RefusedSayingWhy()
    {
        // Arrange
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var good = Grant(Sha, "web-2", Now.AddMinutes(5), _caKey);

        // Act
        var otherAgent = PeerGrants.Check(good, Sha, "web-3", _ca, Now);
        var otherArtifact = PeerGrants.Check(good, "ef" + Sha[2..], "web-2", _ca, Now);
        var expired = PeerGrants.Check(Grant(Sha, "web-2", Now.AddSeconds(-1), _caKey), Sha, "web-2", _ca, Now);
        var forged = PeerGrants.Check(Grant(Sha, "web-2", Now.AddMinutes(5), otherKey), Sha, "web-2", _ca, Now);
        var missing = PeerGrants.Check(null, Sha, "web-2", _ca, Now);

        // Assert
        Assert.Equal("the grant is for agent web-2, not web-3", otherAgent);
        Assert.Equal("the grant is for another artifact", otherArtifact);
        Assert.Equal("the grant expired", expired);
        Assert.Equal("the grant's signature is not the coordinator's", forged);
        Assert.Equal("no grant", missing);
    }

    private static PeerGrant Grant(string sha256, string agent, DateTimeOffset expires, ECDsa key)
    {
        var body = new PeerGrantBody { Sha256 = sha256, Agent = agent, ExpiresUnixSeconds = expires.ToUnixTimeSeconds() }.ToByteArray();
        return new PeerGrant { Body = ByteString.CopyFrom(body), Signature = ByteString.CopyFrom(key.SignData(body, HashAlgorithmName.SHA256)) };
    }
}
