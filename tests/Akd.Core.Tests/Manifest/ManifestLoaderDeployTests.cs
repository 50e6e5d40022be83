using Akd.Core.Manifest;
using Akd.Manifest;
namespace Akd.Core.Tests.Manifest;

public sealed class ManifestLoaderDeployTests
{
    private static void AssertDeployError(string deployLine, int column, params string[] words) =>
        ManifestAssert.SingleError($"app: pinger\ndeploy:\n  {deployLine}\n", 3, column, words);

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("five")]
    public void Parse_KeepReleasesBelowOne_ReportsIntegerAtLeastOne(string value)
    {
        AssertDeployError($"keep_releases: {value}", 18, "deploy.keep_releases: expected an integer >= 1", $"'{value}'");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("\"0%\"")]
    [InlineData("101%")]
    [InlineData("half")]
    [InlineData("-1")]
    public void Parse_InvalidRollingBatch_ReportsTheThreeForms(string value)
    {
        AssertDeployError($"rolling: {{ batch: {value} }}", 21, "deploy.rolling.batch", "number of hosts", "percentage", "all");
    }

    [Fact]
    public void Parse_RollingBatchIsAList_ReportsGotList()
    {
        AssertDeployError("rolling: { batch: [1] }", 21, "deploy.rolling.batch", "got a list");
    }

    [Fact]
    public void Parse_NegativeMaxFailures_ReportsIntegerAtLeastZero()
    {
        AssertDeployError("rolling: { max_failures: -1 }", 28, "deploy.rolling.max_failures: expected an integer >= 0, got '-1'");
    }

    [Fact]
    public void Parse_InvalidPause_ReportsDuration()
    {
        AssertDeployError("rolling: { pause: soon }", 21, "deploy.rolling.pause: expected a duration", "500ms", "'soon'");
    }

    [Theory]
    [InlineData("1PORT")]
    [InlineData("MY-VAR")]
    public void Parse_InvalidEnvName_ReportsNamePattern(string name)
    {
        AssertDeployError($"env: {{ {name}: x }}", 10, "deploy.env", "environment variable name", "[A-Za-z_][A-Za-z0-9_]*", $"'{name}'");
    }

    [Fact]
    public void Parse_EnvValueIsAList_ReportsScalarExpected()
    {
        AssertDeployError("env: { HOSTS: [a, b] }", 17, "deploy.env.HOSTS: expected a scalar value, got a list");
    }

    [Fact]
    public void Parse_EnvIsAList_ReportsMappingExpected()
    {
        AssertDeployError("env: [PORT=4000]", 8, "deploy.env: expected a mapping of variable names");
    }

    [Fact]
    public void Parse_RunUnknownWord_ReportsTheForms()
    {
        AssertDeployError("run: daemon", 8, "deploy.run: expected release, a command as a list of strings, or { command: [...] }, got 'daemon'");
    }

    [Fact]
    public void Parse_RunCommandIsAString_ReportsArgumentArrayExpected()
    {
        AssertDeployError("run: { command: mix phx.server }", 19, "deploy.run.command: expected a command as a list of strings", "'mix phx.server'");
    }

    [Fact]
    public void Parse_RunMappingWithoutCommand_ReportsRequired()
    {
        AssertDeployError("run: {}", 8, "deploy.run.command: required");
    }

    [Fact]
    public void Parse_RunMappingWithMisspelledCommand_ReportsUnknownKeyAndRequired()
    {
        // Act
        var errors = ManifestAssert.Errors("app: pinger\ndeploy:\n  run: { cmd: [mix] }\n");

        // Assert
        Assert.Equal(2, errors.Count);
        ManifestAssert.AssertAt(errors[0], 3, 8, "deploy.run.command: required");
        ManifestAssert.AssertAt(errors[1], 3, 10, "deploy.run: unknown key 'cmd'; expected one of command");
    }

    [Fact]
    public void Parse_RunEmptyList_ReportsNonEmptyCommand()
    {
        AssertDeployError("run: []", 8, "deploy.run: expected a command as a non-empty list");
    }

    [Fact]
    public void Parse_RunArgumentIsAList_ReportsArgumentPosition()
    {
        AssertDeployError("run: [mix, [phx.server]]", 14, "deploy.run[1]: expected a string argument, got a list");
    }

    [Fact]
    public void Parse_DeployPathEmpty_ReportsNonEmptyString()
    {
        AssertDeployError("path: \"\"", 9, "deploy.path: expected a non-empty string");
    }

    [Theory]
    [InlineData("Pinger")]
    [InlineData("1pinger")]
    [InlineData("pinger;rm")]
    [InlineData("a-name-that-is-far-longer-than-32-chars")]
    public void Parse_DeployUserNotAUnixName_ReportsNamePattern(string user)
    {
        AssertDeployError($"user: \"{user}\"", 9, "deploy.user", "Unix user name", $"'{user}'");
    }

    [Fact]
    public void Parse_DeployUserGiven_IsKeptAndDefaultIsEmpty()
    {
        // Act
        var given = ManifestAssert.Parse("app: pinger\ndeploy:\n  user: pinger-web\n");
        var omitted = ManifestAssert.Parse("app: pinger\n");

        // Assert
        Assert.Equal("pinger-web", given.Deploy.User);
        Assert.Equal("", omitted.Deploy.User);
    }

    [Theory]
    [InlineData("start_overlap: true", StartOverlapMode.PortClosed)]
    [InlineData("start_overlap: True", StartOverlapMode.PortClosed)]
    [InlineData("start_overlap: false", StartOverlapMode.Off)]
    [InlineData("start_overlap: shared_port", StartOverlapMode.SharedPort)]
    [InlineData("start_overlap: ~", StartOverlapMode.Off)]
    [InlineData("keep_releases: 5", StartOverlapMode.Off)]
    public void Parse_DeployStartOverlap_IsReadAndDefaultsToOff(string line, StartOverlapMode expected)
    {
        // Act
        var manifest = ManifestAssert.Parse($"app: pinger\ndeploy:\n  {line}\n");

        // Assert
        Assert.Equal(expected, manifest.Deploy.StartOverlap);
    }

    [Fact]
    public void Parse_DeployStartOverlapUnknownWord_NamesTheAcceptedValues()
    {
        AssertDeployError("start_overlap: sometimes", 18, "deploy.start_overlap", "expected true, false or shared_port, got 'sometimes'");
    }
}
