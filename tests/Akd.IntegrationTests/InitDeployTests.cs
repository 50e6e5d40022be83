using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary><c>akdctl init</c> on a fresh <c>mix new</c> project writes a manifest that deploys as it is.</summary>
public sealed class InitDeployTests(ITestOutputHelper output) : IAsyncLifetime
{
    private LocalFleet _fleet = null!;

    public async Task InitializeAsync() => _fleet = await LocalFleet.StartAsync(webAgents: 1, CancellationToken.None);

    public async Task DisposeAsync()
    {
        output.WriteLine(_fleet.Logs());
        await _fleet.DisposeAsync();
    }

    [Fact(Timeout = 600_000)]
    public async Task Init_FreshMixNewProject_WritesManifestThatDeploysAndRuns()
    {
        // Arrange: a project exactly as `mix new` writes it: no releases config, no HTTP server.
        var (exit, mixOutput) = await Tool.RunAsync("mix", ["new", "fresh_app"], _fleet.Root);
        Assert.True(exit == 0, mixOutput);
        var project = Path.Combine(_fleet.Root, "fresh_app");

        // Act
        var init = await _fleet.AkdctlAsync(project, TimeSpan.FromSeconds(60), "init");
        output.WriteLine(init.ToString());
        var deploy = await _fleet.AkdctlAsync(project, TimeSpan.FromMinutes(5), "deploy");
        output.WriteLine(deploy.ToString());

        // Assert: the release is current on the host, passed the generated health check, and runs.
        CliAssert.Succeeded(init);
        Assert.Contains("wrote", init.StdOut);
        CliAssert.Succeeded(deploy);
        Assert.Contains("health: bin/fresh_app pid passed", deploy.StdOut);
        var deployPath = _fleet.Web[0].DeployPath("fresh_app");
        Assert.StartsWith("releases/0.1.0-", new FileInfo(Path.Combine(deployPath, "current")).LinkTarget);
        var pid = Tool.RecordedPid(deployPath);
        Assert.NotNull(pid);
        Assert.True(Directory.Exists($"/proc/{pid}"), $"the release's node (pid {pid}) is not running");
    }
}
