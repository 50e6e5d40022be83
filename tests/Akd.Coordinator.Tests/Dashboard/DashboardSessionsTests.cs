using Akd.Coordinator.Dashboard;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Akd.Coordinator.Tests.Dashboard;

public sealed class DashboardSessionsTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-12-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private DashboardSessions NewSessions(int max = 10) =>
        new(Options.Create(new DashboardOptions { SessionLifetime = TimeSpan.FromHours(1), MaxSessions = max }), _clock);

    [Fact]
    public void Start_NewSession_HasRandomIdAndCsrfThatDoNotHoldTheToken()
    {
        // Arrange
        var sessions = NewSessions();
        const string token = "akdt1.0123456789abcdef.secretsecret";

        // Act
        var first = sessions.Start(token);
        var second = sessions.Start(token);

        // Assert
        Assert.NotEqual(first.Id, second.Id);
        Assert.NotEqual(first.Csrf, second.Csrf);
        Assert.NotEqual(first.Id, first.Csrf);
        Assert.True(first.Id.Length >= 43);
        Assert.DoesNotContain("secret", first.Id, StringComparison.Ordinal);
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromHours(1), first.ExpiresAt);
    }

    [Fact]
    public void Find_BeforeAndAfterItsLifetime_FindsThenForgets()
    {
        // Arrange
        var sessions = NewSessions();
        var session = sessions.Start("t");

        // Act
        var during = sessions.Find(session.Id);
        _clock.Advance(TimeSpan.FromHours(1));
        var after = sessions.Find(session.Id);

        // Assert
        Assert.Same(session, during);
        Assert.Null(after);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-session")]
    public void Find_UnknownId_IsNull(string? id)
    {
        // Arrange
        var sessions = NewSessions();
        sessions.Start("t");

        // Act
        var found = sessions.Find(id);

        // Assert
        Assert.Null(found);
    }

    [Fact]
    public void End_SignedOut_IsNotFoundAnyMore()
    {
        // Arrange
        var sessions = NewSessions();
        var session = sessions.Start("t");

        // Act
        sessions.End(session.Id);

        // Assert
        Assert.Null(sessions.Find(session.Id));
    }

    [Fact]
    public void Start_AtTheLimit_DropsTheOldest()
    {
        // Arrange
        var sessions = NewSessions(max: 2);
        var oldest = sessions.Start("a");
        _clock.Advance(TimeSpan.FromMinutes(1));
        var middle = sessions.Start("b");
        _clock.Advance(TimeSpan.FromMinutes(1));

        // Act
        var newest = sessions.Start("c");

        // Assert
        Assert.Null(sessions.Find(oldest.Id));
        Assert.NotNull(sessions.Find(middle.Id));
        Assert.NotNull(sessions.Find(newest.Id));
    }
}
