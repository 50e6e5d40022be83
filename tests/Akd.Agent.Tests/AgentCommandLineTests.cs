namespace Akd.Agent.Tests;

public sealed class AgentCommandLineTests
{
    [Fact]
    public void Parse_DocumentedFlags_MapToTheAgentSection()
    {
        var values = AgentCommandLine.Parse(
            ["--coordinator", "https://127.0.0.1:7400", "--name", "web-1", "--join", "akdj1.x", "--data-dir", "/var/lib/x"]);

        Assert.Equal("https://127.0.0.1:7400", values["Agent:Coordinator"]);
        Assert.Equal("web-1", values["Agent:Name"]);
        Assert.Equal("akdj1.x", values["Agent:Join"]);
        Assert.Equal("/var/lib/x", values["Agent:DataDir"]);
    }

    [Fact]
    public void Parse_JoinFile_MapsToTheAgentSectionAndKeepsTheTokenOffTheCommandLine()
    {
        // Arrange + Act
        var values = AgentCommandLine.Parse(["--join-file", "/etc/akd/join", "--name", "web-1"]);

        // Assert: the path, never a token.
        Assert.Equal("/etc/akd/join", values["Agent:JoinFile"]);
        Assert.False(values.ContainsKey("Agent:Join"));
    }

    [Fact]
    public void Parse_RepeatedAppEnv_KeepsEveryEntryAndValuesWithEquals()
    {
        var values = AgentCommandLine.Parse(["--app-env", "PORT=4001", "--app-env=DATABASE_URL=ecto://u:p@h/db?a=b"]);

        Assert.Equal("4001", values["Agent:AppEnv:PORT"]);
        Assert.Equal("ecto://u:p@h/db?a=b", values["Agent:AppEnv:DATABASE_URL"]);
    }

    [Fact]
    public void Parse_PeerPortAndHost_MapToTheAgentSection()
    {
        // Arrange + Act
        var values = AgentCommandLine.Parse(["--peer-port", "7401", "--peer-host=web-1.internal"]);

        // Assert
        Assert.Equal("7401", values["Agent:PeerPort"]);
        Assert.Equal("web-1.internal", values["Agent:PeerHost"]);
    }

    [Fact]
    public void Parse_MetricsPort_MapsToTheAgentSection()
    {
        // Arrange + Act
        var values = AgentCommandLine.Parse(["--metrics-port", "9464"]);

        // Assert
        Assert.Equal("9464", values["Agent:MetricsPort"]);
    }

    [Theory]
    [InlineData(new[] { "--app-env", "PORT" }, "KEY=VALUE")]
    [InlineData(new[] { "--name" }, "--name needs a value")]
    [InlineData(new[] { "--nmae", "x" }, "unknown option '--nmae'")]
    [InlineData(new[] { "--labels", "role=build" }, "unknown option '--labels'")]
    [InlineData(new[] { "--join", "akdj1.x", "--join-file=-" }, "--join TOKEN or --join-file FILE, not both")]
    public void Parse_BadInput_ThrowsAClearMessage(string[] args, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => AgentCommandLine.Parse(args));

        Assert.Contains(expected, ex.Message);
    }
}
