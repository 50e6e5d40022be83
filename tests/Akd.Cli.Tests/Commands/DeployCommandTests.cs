using Akd.Cli.Commands;
using Akd.Core.Manifest;
using Akd.Manifest;

namespace Akd.Cli.Tests.Commands;

public sealed class DeployCommandTests
{
    private static AppManifest Manifest(string strategy) => ManifestLoader.Parse($"app: shop\nstrategy: {strategy}\n", "akd.yaml");

    [Theory]
    [InlineData("remote-build", false, false)]
    [InlineData("remote-build", true, true)]
    [InlineData("local-build", false, true)]
    [InlineData("local-build", true, true)]
    public void BuildsLocally_StrategyAndFlag_BuildsHereForLocalBuildOrTheFlag(string strategy, bool flag, bool expected)
    {
        // Arrange
        var manifest = Manifest(strategy);

        // Act
        var local = DeployCommand.BuildsLocally(manifest, flag);

        // Assert
        Assert.Equal(expected, local);
    }

    [Fact]
    public void BuildsLocally_FlagWithSourceStrategy_IsAUsageError()
    {
        // Arrange
        var manifest = Manifest("source");

        // Act
        var error = Assert.Throws<CliException>(() => DeployCommand.BuildsLocally(manifest, localBuildFlag: true));

        // Assert
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("strategy is source", error.Message);
    }
}
