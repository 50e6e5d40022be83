using Akd.Agent.Releases;
using Akd.Agent.Reporting;

namespace Akd.Agent.Tests.Releases;

/// <summary>
/// Every app the agent starts carries its deploy path in <c>AKD_DEPLOY_PATH</c>, inherited by what its script starts:
/// the package's purge finds the apps to stop by it, also under an absolute <c>deploy.path</c>.
/// </summary>
public sealed class AppMarkerTests : IDisposable
{
    private readonly string _deployPath = Directory.CreateTempSubdirectory("akd-marker-").FullName;

    public void Dispose() => Directory.Delete(_deployPath, recursive: true);

    [Fact(Timeout = 30_000)]
    public async Task StartAsync_ReleaseScript_RunsWithItsDeployPathInItsEnvironment()
    {
        // Arrange: bin/hello stands in for a release's script and records the environment it was started with.
        var releaseDir = Path.Combine(_deployPath, "releases", "0.1.0-20260101T000000Z");
        Directory.CreateDirectory(Path.Combine(releaseDir, "bin"));
        var script = Path.Combine(releaseDir, "bin", "hello");
        await File.WriteAllTextAsync(script, "#!/bin/sh\nenv > \"$(dirname \"$0\")/../started.env\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var runner = new MixReleaseRunner("hello", TestMetrics.Reporter(new Outbox(), "s1"), new AgentOptions { StopGracePeriod = TimeSpan.FromSeconds(5) }, TimeProvider.System);

        // Act
        await runner.StartAsync(releaseDir, new Dictionary<string, string> { ["PORT"] = "4000" }, CancellationToken.None);

        // Assert
        var started = await File.ReadAllLinesAsync(Path.Combine(releaseDir, "started.env"));
        Assert.Contains($"{AppMarker.Variable}={_deployPath}", started);
        Assert.Contains("PORT=4000", started);
    }
}
