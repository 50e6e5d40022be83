using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>Three web hosts, for the tests that kill processes.</summary>
public sealed class ThreeWebHostsFixture() : WebFleetFixture(webAgents: 3);

/// <summary>
/// Faults and concurrency: an agent killed mid-rollout, the deploy lock, and a coordinator restart in
/// the middle of a deployment. Each test leaves every process of the fleet running.
/// </summary>
public sealed partial class FleetFaultTests(ThreeWebHostsFixture fixture, ITestOutputHelper output) : IClassFixture<ThreeWebHostsFixture>, IDisposable
{
    private static readonly TimeSpan DeployTimeout = TimeSpan.FromMinutes(5);
    private readonly LocalFleet _fleet = fixture.Fleet;
    private readonly HelloApp _app = fixture.App;

    public void Dispose() => output.WriteLine(_fleet.Logs());

    [Fact(Timeout = 600_000)]
    public async Task Deploy_AgentKilledMidRollout_FailsTheHostAsLostBeforeItsStepDeadline()
    {
        // Arrange: one host at a time, and a health check that keeps the first host busy for 40s.
        var version = fixture.NextVersion();
        _app.SetVersion(version);
        var manifest = FleetManifest.Write(_app, "akd.killed.yaml", "{ batch: 1 }", "{ command: [\"sleep\", \"40\"], timeout: 50s }", "  step_timeout: 60s");
        var started = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest, "--detach", "--output", "json");
        output.WriteLine(started.ToString());
        CliAssert.Succeeded(started);
        var id = CliJson.DeploymentId(started);
        var victim = _fleet.Web[0];
        await RollingDeployTests.WaitUntilAsync(
            () => victim.RunState() is { Release: var r, Pid: not null } && r.StartsWith($"{version}-", StringComparison.Ordinal), TimeSpan.FromMinutes(3));

        try
        {
            // Act: the agent dies in the middle of its step.
            _fleet.Agents[victim.Name].Kill();
            var follow = await _fleet.AkdctlAsync(_fleet.Root, TimeSpan.FromSeconds(90), "logs", id, "-f");
            output.WriteLine(follow.ToString());

            // Assert: the host failed as lost (the agent's grace ran out), not at the 60s step deadline; the rest were not touched.
            var status = await CliJson.StatusAsync(_fleet, id);
            Assert.Equal("failed", status.Str("state"));
            var rows = CliJson.Hosts(status);
            Assert.Equal("failed", rows[(victim.Name, "activate")].Str("state"));
            Assert.Contains($"agent {victim.Name} disconnected during the step and did not come back", rows[(victim.Name, "activate")].Str("message"));
            Assert.DoesNotContain("deadline", rows[(victim.Name, "activate")].Str("message"));
            Assert.All(_fleet.Web.Skip(1), host => Assert.Equal("skipped", rows[(host.Name, "activate")].Str("state")));

            // While it is gone, a deploy is refused before touching any host, naming it; --skip-offline goes on and is recorded.
            var refused = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains($"target agent(s) offline: {victim.Name}; no host was touched", refused.StdErr);
            var stop = await _fleet.AkdctlAsync(_fleet.Root, DeployTimeout, "stop", "hello", "--skip-offline", "--output", "json");
            output.WriteLine(stop.ToString());
            CliAssert.Succeeded(stop);
            var stopStatus = await CliJson.StatusAsync(_fleet, CliJson.DeploymentId(stop));
            Assert.Equal([victim.Name], stopStatus.GetProperty("skippedOffline").EnumerateArray().Select(e => e.GetString()));
            Assert.DoesNotContain(CliJson.Hosts(stopStatus).Keys, k => k.Host == victim.Name);
        }
        finally
        {
            await _fleet.StartAgentAsync(victim.Name, "role=web", appEnv: $"PORT={victim.Port}");
            await _fleet.WaitForAgentsAsync(_fleet.Web.Count + 1, CancellationToken.None);
        }
    }

    [Fact(Timeout = 600_000)]
    public async Task Deploy_WhileAnotherRuns_RefusedNamingTheHolderAndWaitQueuesBehindIt()
    {
        // Arrange: a first deployment holds the app's lock.
        _app.SetVersion(fixture.NextVersion());
        var manifest = FleetManifest.Write(_app, "akd.lock.yaml", "{ batch: all }");
        var first = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest, "--detach", "--output", "json");
        output.WriteLine(first.ToString());
        var firstId = CliJson.DeploymentId(first);
        var second = fixture.NextVersion();
        _app.SetVersion(second);

        // Act
        var refused = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest);
        output.WriteLine(refused.ToString());
        var waited = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest, "--wait");
        output.WriteLine(waited.ToString());

        // Assert: refused with who holds the lock, since when, and the deployment id.
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains($"hello is locked by deploy {firstId}", refused.StdErr);
        Assert.Contains("started by admin at ", refused.StdErr);
        Assert.Contains("--wait", refused.StdErr);

        // --wait queued behind the first one, then deployed.
        CliAssert.Succeeded(waited);
        Assert.Contains("waiting for it to end", waited.StdOut);
        var firstStatus = await CliJson.StatusAsync(_fleet, firstId);
        var secondStatus = await CliJson.StatusAsync(_fleet, CliJson.DeploymentId(waited));
        Assert.Equal("succeeded", firstStatus.Str("state"));
        Assert.True(secondStatus.GetProperty("createdAt").GetDateTime() >= firstStatus.GetProperty("finishedAt").GetDateTime(),
            "the waiting deploy started after the first one ended");
        foreach (var host in _fleet.Web)
        {
            Assert.Equal($"hello {second}", await Http.GetBodyAsync(host.Port));
        }
    }

    [Fact(Timeout = 600_000)]
    public async Task CoordinatorRestart_DuringDeploy_HistoryReadableAndNoStaleLock()
    {
        // Arrange: one finished deployment, and one running when the coordinator dies.
        _app.SetVersion(fixture.NextVersion());
        var manifest = FleetManifest.Write(_app, "akd.restart.yaml", "{ batch: all }");
        var done = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest);
        output.WriteLine(done.ToString());
        CliAssert.Succeeded(done);
        var doneId = CliJson.DeploymentId(done);
        _app.SetVersion(fixture.NextVersion());
        var running = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest, "--detach", "--output", "json");
        var runningId = CliJson.DeploymentId(running);

        // Act
        await _fleet.RestartCoordinatorAsync(CancellationToken.None);
        await _fleet.WaitForAgentsAsync(_fleet.Web.Count + 1, CancellationToken.None);

        // Assert: the finished deployment reads as before, with actor, digests and every host.
        var status = await CliJson.StatusAsync(_fleet, doneId);
        Assert.Equal("succeeded", status.Str("state"));
        Assert.Equal("admin", status.Str("actor"));
        Assert.Matches("^[0-9a-f]{64}$", status.Str("manifestSha256"));
        Assert.Matches("^[0-9a-f]{64}$", status.Str("artifactSha256"));
        var rows = CliJson.Hosts(status);
        Assert.All(_fleet.Web, host => Assert.Equal("succeeded", rows[(host.Name, "activate")].Str("state")));
        var logs = await _fleet.AkdctlAsync(_fleet.Root, TimeSpan.FromSeconds(60), "logs", doneId);
        CliAssert.Succeeded(logs);
        Assert.Contains($"deployment {doneId} succeeded", logs.StdOut);
        Assert.All(_fleet.Web, host => Assert.Contains($"[{host.Name}] activate succeeded", logs.StdOut));

        // The interrupted one is reconciled: killed before its build was done, it cannot resume and ends
        // failed saying so (within the reconcile window); then its lock is gone and the app can be acted on.
        var follow = await _fleet.AkdctlAsync(_fleet.Root, DeployTimeout, "logs", runningId, "-f");
        output.WriteLine(follow.ToString());
        var interrupted = await CliJson.StatusAsync(_fleet, runningId);
        Assert.Equal("failed", interrupted.Str("state"));
        Assert.Contains("interrupted by a coordinator restart and not resumed", interrupted.Str("error"));
        var restart = await _fleet.AkdctlAsync(_fleet.Root, DeployTimeout, "restart", "hello");
        output.WriteLine(restart.ToString());
        CliAssert.Succeeded(restart);
    }
}
