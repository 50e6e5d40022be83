using Akd.IntegrationTests.Fleet;

namespace Akd.IntegrationTests;

/// <summary>
/// An agent killed (kill -9) after switching <c>current</c> and before the health check's verdict comes
/// back within the coordinator's grace and finishes the step itself: a host is never left on a release
/// nobody checked, and the deployment reports what the host really runs.
/// </summary>
public sealed partial class FleetFaultTests
{
    [Fact(Timeout = 600_000)]
    public async Task Deploy_AgentKilledDuringHealthCheckOfGoodRelease_ReportedSucceededAfterRestart()
    {
        // Arrange: the first host's health check takes 8 s, long enough to kill its agent in the middle.
        await fixture.EnsureBaselineAsync(output.WriteLine);
        var version = fixture.NextVersion();
        _app.SetVersion(version);
        var manifest = FleetManifest.Write(_app, "akd.recover.yaml", "{ batch: 1 }", "{ command: [\"sleep\", \"8\"], timeout: 30s }", "  step_timeout: 120s");
        var victim = _fleet.Web[0];

        // Act
        var id = await DeployAndKillDuringHealthCheckAsync(manifest, version, victim);
        var follow = await _fleet.AkdctlAsync(_fleet.Root, DeployTimeout, "logs", id, "-f");
        output.WriteLine(follow.ToString());

        // Assert: the restarted agent checked the release again and reported it healthy; the rollout went on.
        var status = await CliJson.StatusAsync(_fleet, id);
        Assert.Equal("succeeded", status.Str("state"));
        Assert.Contains("checking it again", follow.StdOut);
        var release = victim.CurrentRelease();
        Assert.StartsWith($"{version}-", release);
        Assert.EndsWith($"\t{release}\t{id}\tdeployed", victim.Revisions().Last());
        Assert.All(_fleet.Web, host => Assert.Equal(release, host.CurrentRelease()));
        Assert.Equal($"hello {version}", await Http.GetBodyAsync(victim.Port));
    }

    [Fact(Timeout = 600_000)]
    public async Task Deploy_AgentKilledDuringHealthCheckOfReleaseThatCannotBoot_HostBackOnPreviousAfterRestart()
    {
        // Arrange: a release whose app crashes at start (BIND is not an address), so its health check can only time out.
        var (oldVersion, oldRelease) = await fixture.EnsureBaselineAsync(output.WriteLine);
        var version = fixture.NextVersion();
        _app.SetVersion(version);
        var manifest = FleetManifest.Write(_app, "akd.recover-broken.yaml", "{ batch: 1 }",
            "{ http: \"http://127.0.0.1:${PORT}/\", timeout: 15s, interval: 200ms }", "  step_timeout: 120s",
            env: "{ BIND: \"not-an-address\" }");
        var victim = _fleet.Web[0];

        // Act
        var id = await DeployAndKillDuringHealthCheckAsync(manifest, version, victim);
        var follow = await _fleet.AkdctlAsync(_fleet.Root, DeployTimeout, "logs", id, "-f");
        output.WriteLine(follow.ToString());

        // Assert: after the restart the host went back to the release it ran before, and the deployment says so.
        var status = await CliJson.StatusAsync(_fleet, id);
        Assert.Equal("failed", status.Str("state"));
        var row = CliJson.Hosts(status)[(victim.Name, "activate")];
        Assert.Equal("rolled-back", row.Str("state"));
        Assert.Contains($"rolled back to {oldRelease}", row.Str("message"));
        Assert.Equal(oldRelease, victim.CurrentRelease());
        Assert.EndsWith($"\t{oldRelease}\t{id}\trolled-back", victim.Revisions().Last());
        Assert.Equal($"hello {oldVersion}", await Http.GetBodyAsync(victim.Port));
    }

    /// <summary>Starts a detached deploy and kills the first host's agent once its <c>current</c> points at the new release.</summary>
    private async Task<string> DeployAndKillDuringHealthCheckAsync(string manifest, string version, LocalFleet.WebHost victim)
    {
        var started = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest, "--detach", "--output", "json");
        output.WriteLine(started.ToString());
        CliAssert.Succeeded(started);
        await RollingDeployTests.WaitUntilAsync(
            () => victim.CurrentRelease()?.StartsWith($"{version}-", StringComparison.Ordinal) == true, TimeSpan.FromMinutes(3));

        _fleet.Agents[victim.Name].Kill();
        await _fleet.StartAgentAsync(victim.Name, "role=web", null, CancellationToken.None, $"PORT={victim.Port}");
        return CliJson.DeploymentId(started);
    }
}
