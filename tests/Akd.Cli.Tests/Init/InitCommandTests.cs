using Akd.Cli.Commands;
using Akd.Core.Manifest;
using Akd.Manifest;

namespace Akd.Cli.Tests.Init;

/// <summary>
/// <c>akdctl init</c> on hand-written Mix projects: what it detects ends up in an akd.yaml that
/// <see cref="ManifestLoader"/> loads from disk the way <c>akdctl deploy</c> will.
/// </summary>
public sealed class InitCommandTests : IDisposable
{
    private const int TimeoutMs = 10_000;
    private readonly TempProject _project = new();

    public void Dispose() => _project.Dispose();

    [Fact(Timeout = TimeoutMs)]
    public async Task WriteAsync_FreshMixProject_WritesCommentedManifestWithAppAndNodeHealthCheck()
    {
        // Arrange: what `mix new shop_api` leaves.
        _project.WithMixExs("shop_api");

        // Act
        await InitCommand.WriteAsync(_project.Manifest, DeployStrategy.RemoteBuild, force: false, CancellationToken.None);

        // Assert
        var manifest = ManifestLoader.LoadFile(_project.Manifest);
        Assert.Equal("shop_api", manifest.App);
        Assert.Equal(DeployStrategy.RemoteBuild, manifest.Strategy);
        Assert.Equal(BuildTool.MixRelease, manifest.Build.Tool);
        Assert.Equal(Toolchain.System, manifest.Build.Toolchain);
        Assert.True(manifest.Build.IncludeErts);
        Assert.Null(manifest.Deploy.RunCommand);
        Assert.Equal(["bin/shop_api", "pid"], manifest.Health.Command);
        Assert.Null(manifest.Health.Http);
        var text = await File.ReadAllTextAsync(_project.Manifest);
        Assert.Contains("# Akd manifest for shop_api (mix.exs version 0.3.1)", text);
        Assert.Contains("# environments:", text);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WriteAsync_ToolVersionsPresent_UsesAsdfToolchain()
    {
        // Arrange
        _project.WithMixExs("shop_api").Write(".tool-versions", "erlang 25.3\nelixir 1.14.5-otp-25\n");

        // Act
        await InitCommand.WriteAsync(_project.Manifest, DeployStrategy.RemoteBuild, force: false, CancellationToken.None);

        // Assert
        Assert.Equal(Toolchain.Asdf, ManifestLoader.LoadFile(_project.Manifest).Build.Toolchain);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WriteAsync_PhoenixWithSourceStrategy_RunsPhxServerAndChecksHttpOnPort()
    {
        // Arrange
        _project.WithMixExs("shop_web", """{:phoenix, "~> 1.7.0"}, {:plug_cowboy, "~> 2.5"}""");

        // Act
        await InitCommand.WriteAsync(_project.Manifest, DeployStrategy.Source, force: false, CancellationToken.None);

        // Assert
        var manifest = ManifestLoader.LoadFile(_project.Manifest);
        Assert.Equal(DeployStrategy.Source, manifest.Strategy);
        Assert.Equal(["mix", "phx.server"], manifest.Deploy.RunCommand);
        Assert.Equal("http://127.0.0.1:${PORT}/", manifest.Health.Http);
        Assert.Equal("4000", manifest.Deploy.Env["PORT"]);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WriteAsync_PhoenixRelease_StartsTheEndpointThroughPhxServer()
    {
        // Arrange
        _project.WithMixExs("shop_web", """{:phoenix, "~> 1.7.0"}""");

        // Act
        await InitCommand.WriteAsync(_project.Manifest, DeployStrategy.LocalBuild, force: false, CancellationToken.None);

        // Assert
        var manifest = ManifestLoader.LoadFile(_project.Manifest);
        Assert.Equal(DeployStrategy.LocalBuild, manifest.Strategy);
        Assert.Null(manifest.Deploy.RunCommand);
        Assert.Equal("true", manifest.Deploy.Env["PHX_SERVER"]);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WriteAsync_DistilleryDependency_BuildsWithDistilleryAndPingsTheNode()
    {
        // Arrange
        _project.WithMixExs("legacy", """{:distillery, "~> 2.1"}""");

        // Act
        await InitCommand.WriteAsync(_project.Manifest, DeployStrategy.RemoteBuild, force: false, CancellationToken.None);

        // Assert
        var manifest = ManifestLoader.LoadFile(_project.Manifest);
        Assert.Equal(BuildTool.Distillery, manifest.Build.Tool);
        Assert.Equal(["bin/legacy", "ping"], manifest.Health.Command);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WriteAsync_DistilleryProjectWithoutRelFiles_WritesConfigAndVmArgsNamingTheNodeFromReleaseNode()
    {
        // Arrange
        _project.WithMixExs("legacy", """{:distillery, "~> 2.1"}""");

        // Act
        var (_, _, alsoWrote) = await InitCommand.WriteAsync(_project.Manifest, DeployStrategy.RemoteBuild, force: false, CancellationToken.None);

        // Assert
        Assert.Equal(["rel/config.exs", "rel/vm.args", "config/config.exs"], alsoWrote);
        var config = _project.Read("rel/config.exs");
        Assert.Contains("use Distillery.Releases.Config", config);
        Assert.Contains("environment :prod do", config);
        Assert.Contains("set vm_args: \"rel/vm.args\"", config);
        Assert.Contains("release :legacy do", config);
        Assert.Matches("""set cookie: :"[0-9a-f]{64}"\n""", config);
        var vmArgs = _project.Read("rel/vm.args").Split('\n');
        Assert.Contains("-name ${RELEASE_NODE}@127.0.0.1", vmArgs);
        Assert.Contains("-setcookie <%= release.profile.cookie %>", vmArgs);
        Assert.Contains("import Config", _project.Read("config/config.exs"));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WriteAsync_DistilleryFilesExist_NeverOverwritesThemEvenWithForce()
    {
        // Arrange: the project has its own vm.args and config; only rel/config.exs is missing.
        _project.WithMixExs("legacy", """{:distillery, "~> 2.1"}""")
            .Write("rel/vm.args", "-name legacy@10.0.0.5\n")
            .Write("config/config.exs", "import Config\nconfig :legacy, key: 1\n")
            .Write("akd.yaml", "app: mine\n");

        // Act
        var (_, _, alsoWrote) = await InitCommand.WriteAsync(_project.Manifest, DeployStrategy.RemoteBuild, force: true, CancellationToken.None);

        // Assert
        Assert.Equal(["rel/config.exs"], alsoWrote);
        Assert.Equal("-name legacy@10.0.0.5\n", _project.Read("rel/vm.args"));
        Assert.Equal("import Config\nconfig :legacy, key: 1\n", _project.Read("config/config.exs"));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WriteAsync_MixReleaseOrSourceStrategy_WritesNoDistilleryFiles()
    {
        // Arrange: distillery in mix.exs, but the source strategy builds no release; and a plain mix project.
        _project.WithMixExs("legacy", """{:distillery, "~> 2.1"}""");
        using var plain = new TempProject();
        plain.WithMixExs("shop_api");

        // Act
        var (_, _, fromSource) = await InitCommand.WriteAsync(_project.Manifest, DeployStrategy.Source, force: false, CancellationToken.None);
        var (_, _, fromMixRelease) = await InitCommand.WriteAsync(plain.Manifest, DeployStrategy.RemoteBuild, force: false, CancellationToken.None);

        // Assert
        Assert.Empty(fromSource);
        Assert.Empty(fromMixRelease);
        Assert.False(_project.Exists("rel/vm.args"));
        Assert.False(plain.Exists("rel/config.exs"));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WriteAsync_ManifestExists_RefusesWithoutForceAndLeavesItAlone()
    {
        // Arrange
        _project.WithMixExs("shop_api").Write("akd.yaml", "app: mine\n");

        // Act
        var error = await Assert.ThrowsAsync<CliException>(() =>
            InitCommand.WriteAsync(_project.Manifest, DeployStrategy.RemoteBuild, force: false, CancellationToken.None));

        // Assert
        Assert.Contains("already exists; pass --force", error.Message);
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Equal("app: mine\n", await File.ReadAllTextAsync(_project.Manifest));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WriteAsync_ManifestExistsWithForce_Overwrites()
    {
        // Arrange
        _project.WithMixExs("shop_api").Write("akd.yaml", "app: mine\n");

        // Act
        await InitCommand.WriteAsync(_project.Manifest, DeployStrategy.RemoteBuild, force: true, CancellationToken.None);

        // Assert
        Assert.Equal("shop_api", ManifestLoader.LoadFile(_project.Manifest).App);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task WriteAsync_NoMixExs_RefusesAndWritesNothing()
    {
        // Arrange: an empty directory.

        // Act
        var error = await Assert.ThrowsAsync<CliException>(() =>
            InitCommand.WriteAsync(_project.Manifest, DeployStrategy.RemoteBuild, force: false, CancellationToken.None));

        // Assert
        Assert.Contains("no Mix project", error.Message);
        Assert.False(File.Exists(_project.Manifest));
    }
}
