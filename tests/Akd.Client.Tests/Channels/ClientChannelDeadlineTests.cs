using Akd.Client.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Akd.Client.Tests.Channels;

/// <summary>The deadline of calls that are not streams comes from the channel's options, on the caller's clock.</summary>
public sealed class ClientChannelDeadlineTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 22, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ShortDeadline_ShortCallTimeoutSet_IsNowPlusThatTimeout()
    {
        // Arrange: an agent's enrollment gives its own timeout (Agent:EnrollTimeout).
        using var channel = new ClientChannel(new ClientChannelOptions { Address = "https://127.0.0.1:7400", ShortCallTimeout = TimeSpan.FromSeconds(7) });

        // Act
        var deadline = channel.ShortDeadline(new FakeTimeProvider(Now));

        // Assert: a UTC deadline, as gRPC wants.
        Assert.Equal(Now.UtcDateTime + TimeSpan.FromSeconds(7), deadline);
        Assert.Equal(DateTimeKind.Utc, deadline.Kind);
    }

    [Fact]
    public void ShortDeadline_NothingSet_ThirtySeconds()
    {
        // Arrange: akdctl sets none.
        using var channel = new ClientChannel(new ClientChannelOptions { Address = "https://127.0.0.1:7400" });

        // Act
        var deadline = channel.ShortDeadline(new FakeTimeProvider(Now));

        // Assert
        Assert.Equal(Now.UtcDateTime + TimeSpan.FromSeconds(30), deadline);
    }
}
