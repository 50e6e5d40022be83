using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akd.Agent.Identity;

namespace Akd.Agent.Tests.Identity;

/// <summary>The enrollment's channel takes its timeouts from <see cref="AgentOptions"/>.</summary>
public sealed class EnrollerTests
{
    [Fact]
    public void ChannelOptions_AgentTimeouts_ConnectAndEnrollTimeoutsReachTheChannel()
    {
        // Arrange
        using var key = ECDsa.Create();
        using var ca = new CertificateRequest("CN=test ca", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        var options = new AgentOptions { ConnectTimeout = TimeSpan.FromSeconds(3), EnrollTimeout = TimeSpan.FromSeconds(75) };

        // Act
        var channel = Enroller.ChannelOptions(new Uri("https://c1:7400"), ca, options);

        // Assert: pinned to the token's CA, with no other credential.
        Assert.Equal(TimeSpan.FromSeconds(3), channel.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(75), channel.ShortCallTimeout);
        Assert.Same(ca, channel.Ca);
        Assert.False(channel.TrustSystemStore);
        Assert.Null(channel.BearerToken);
    }
}
