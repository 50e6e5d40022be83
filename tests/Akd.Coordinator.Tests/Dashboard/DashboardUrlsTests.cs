using Akd.Coordinator.Dashboard;
using Akd.Coordinator.Security;

namespace Akd.Coordinator.Tests.Dashboard;

public sealed class DashboardUrlsTests
{
    private static readonly ListenUrls Api = ListenUrls.Parse("https://0.0.0.0:7400");

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Parse_NothingGiven_IsOff(string? urls)
    {
        // Act
        var parsed = DashboardUrls.Parse(urls);

        // Assert
        Assert.False(parsed.Enabled);
        Assert.Null(parsed.Refusal(Api));
    }

    [Fact]
    public void Refusal_HttpsOnItsOwnPorts_IsNull()
    {
        // Act
        var parsed = DashboardUrls.Parse("https://127.0.0.1:7403; https://[::1]:7404");

        // Assert
        Assert.True(parsed.Enabled);
        Assert.Equal([7403, 7404], parsed.Ports.Order());
        Assert.Null(parsed.Refusal(Api));
    }

    [Theory]
    [InlineData("http://127.0.0.1:7403", "cleartext")]
    [InlineData("https://127.0.0.1:0", "not 0")]
    [InlineData("https://127.0.0.1:7400", "port of its own")]
    public void Refusal_CleartextPortZeroOrTheApisPort_SaysWhy(string urls, string why)
    {
        // Act
        var refusal = DashboardUrls.Parse(urls).Refusal(Api);

        // Assert
        Assert.NotNull(refusal);
        Assert.Contains(why, refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_SessionCookie_IsHttpOnlySecureStrictForTheWholeSite()
    {
        // Act
        var options = DashboardCookies.Options(null);

        // Assert
        Assert.True(options.HttpOnly);
        Assert.True(options.Secure);
        Assert.Equal(Microsoft.AspNetCore.Http.SameSiteMode.Strict, options.SameSite);
        Assert.Equal("/", options.Path);
        Assert.Null(options.Domain);
        Assert.StartsWith("__Host-", DashboardCookies.Session, StringComparison.Ordinal);
        Assert.StartsWith("__Host-", DashboardCookies.Login, StringComparison.Ordinal);
    }
}
