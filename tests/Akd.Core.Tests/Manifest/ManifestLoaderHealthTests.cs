using Akd.Manifest;
namespace Akd.Core.Tests.Manifest;

public sealed class ManifestLoaderHealthTests
{
    private static void AssertHealthError(string healthLine, int column, params string[] words) =>
        ManifestAssert.SingleError($"app: pinger\nhealth:\n  {healthLine}\n", 3, column, words);

    [Fact]
    public void Parse_HttpAndTcp_ReportsOnlyOneAtTheSecond()
    {
        // Arrange
        const string yaml = """
            app: pinger
            health:
              http: "http://127.0.0.1:4000/"
              tcp: "127.0.0.1:4000"
            """;

        // Act + Assert
        ManifestAssert.SingleError(yaml, 4, 3, "health: set only one of http, tcp, command; found http and tcp");
    }

    [Fact]
    public void Parse_TcpAndCommand_ReportsOnlyOne()
    {
        AssertHealthError("{ tcp: \"db:5432\", command: [pg_isready] }", 21, "set only one of http, tcp, command", "tcp and command");
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("localhost:port")]
    [InlineData(":4000")]
    public void Parse_TcpWithoutHostAndPort_ReportsHostPort(string value)
    {
        AssertHealthError($"tcp: \"{value}\"", 8, "health.tcp: expected host:port", $"'{value}'");
    }

    [Fact]
    public void Parse_HttpWithoutScheme_ReportsUrlExpected()
    {
        AssertHealthError("http: localhost:4000/health", 9, "health.http: expected an http:// or https:// URL");
    }

    [Fact]
    public void Parse_CommandAsString_ReportsArgumentArray()
    {
        AssertHealthError("command: curl -f localhost", 12, "health.command: expected a command as a list of strings");
    }

    [Theory]
    [InlineData("timeout: 0", 12, "health.timeout")]
    [InlineData("timeout: 0ms", 12, "health.timeout")]
    [InlineData("interval: 0s", 13, "health.interval")]
    public void Parse_ZeroDuration_ReportsGreaterThanZero(string line, int column, string key)
    {
        AssertHealthError(line, column, key, "greater than zero");
    }

    [Theory]
    [InlineData("timeout: 30 seconds", 12, "health.timeout")]
    [InlineData("interval: 1.5s", 13, "health.interval")]
    [InlineData("timeout: -5s", 12, "health.timeout")]
    public void Parse_MalformedDuration_ReportsDurationForms(string line, int column, string key)
    {
        AssertHealthError(line, column, key, "expected a duration such as 500ms, 30s, 2m, 1h");
    }

    [Fact]
    public void Parse_NegativeRetries_ReportsIntegerAtLeastZero()
    {
        AssertHealthError("retries: -1", 12, "health.retries: expected an integer >= 0, got '-1'");
    }

    [Fact]
    public void Parse_ExpectWithoutHttp_ReportsOnlyForHttp()
    {
        AssertHealthError("{ tcp: \"127.0.0.1:4000\", expect: ok }", 28, "health.expect: only applies to health.http");
    }

    [Fact]
    public void Parse_HttpWithExpect_ReadsBoth()
    {
        // Act
        var manifest = ManifestAssert.Parse("app: pinger\nhealth: { http: \"https://[::1]:4000/up\", expect: pong, retries: 0 }\n");

        // Assert
        Assert.Equal("https://[::1]:4000/up", manifest.Health.Http);
        Assert.Equal("pong", manifest.Health.Expect);
        Assert.True(manifest.Health.IsConfigured);
    }

    [Theory]
    [InlineData("[::1]:4000")]
    [InlineData("db.internal:${DB_PORT}")]
    public void Parse_TcpForms_AreAccepted(string tcp)
    {
        // Act
        var manifest = ManifestAssert.Parse($"app: pinger\nhealth: {{ tcp: \"{tcp}\" }}\n");

        // Assert
        Assert.Equal(tcp, manifest.Health.Tcp);
    }
}
