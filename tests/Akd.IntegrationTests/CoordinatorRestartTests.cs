using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// The coordinator stopped in the middle of a rolling deploy or fleet operation of five hosts, by kill -9 or by
/// SIGTERM: its hosts keep the results of the steps they ran meanwhile and resend them, and the restarted
/// coordinator resumes the rollout from the next batch instead of declaring it failed blind.
/// </summary>
[Collection(FiveWebHostsCollection.Name)]
public sealed class CoordinatorRestartTests(FiveWebHostsFixture fixture, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan DeployTimeout = TimeSpan.FromMinutes(5);
    private readonly LocalFleet _fleet = fixture.Fleet;
    private readonly HelloApp _app = fixture.App;

    public void Dispose() => output.WriteLine(_fleet.Logs());

    [Fact(Timeout = 600_000)]
    public async Task Deploy_CoordinatorKilledMidRollout_ResumesAfterRestartAndEveryHostMatchesHistory()
    {
        // Arrange, Act: kill -9 during the first batch's steps (two of the five hosts), and start again on the same data dir.
        var (id, version, follow) = await DeployAndStopCoordinatorAsync("akd.resume.yaml", () => _fleet.RestartCoordinatorAsync(CancellationToken.None));

        // Assert
        await AssertResumedAsync(id, version, follow);
    }

    [Fact(Timeout = 600_000)]
    public async Task DeployThenRestart_CoordinatorSigtermMidRolloutAndMidOperation_RecordedInterruptedAndResumedAfterStart()
    {
        // Arrange, Act: SIGTERM (as systemd stops it) during the first batch's steps, then start it again.
        var (id, version, follow) = await DeployAndStopCoordinatorAsync("akd.sigterm.yaml", SigtermAndStartAsync);

        // Assert: not failed by the stop, and not cancelled on the host.
        Assert.Contains("interrupted: the coordinator is stopping", follow.StdOut);
        Assert.DoesNotContain("internal error", follow.StdOut);
        await AssertResumedAsync(id, version, follow);

        // Arrange: a fleet operation with the manifest just deployed (two hosts at a time, an 8 s health check).
        var before = _fleet.Web.Select(host => host.RunState()?.Pid).ToList();
        var restart = await _fleet.AkdctlAsync(_fleet.Root, DeployTimeout, "restart", "hello", "--detach", "--output", "json");
        output.WriteLine(restart.ToString());
        CliAssert.Succeeded(restart);
        var opId = CliJson.DeploymentId(restart);

        // Act: SIGTERM while the first batch restarts (the first host's new VM is up, its health check runs), then start again.
        await RollingDeployTests.WaitUntilAsync(() => _fleet.Web[0].RunState() is { Pid: { } pid } && pid != before[0], TimeSpan.FromMinutes(2));
        var restartedFirst = _fleet.Web[0].RunState()?.Pid;
        await SigtermAndStartAsync();
        await _fleet.WaitForAgentsAsync(_fleet.Web.Count + 1, CancellationToken.None);
        var opFollow = await _fleet.AkdctlAsync(_fleet.Root, DeployTimeout, "logs", opId, "-f");
        output.WriteLine(opFollow.ToString());

        // Assert: interrupted, not an internal error; resumed on the hosts it had not reached; each host restarted once.
        // (The second host of the first batch may have restarted before or after the stop: once either way.)
        Assert.Contains("interrupted: the coordinator is stopping", opFollow.StdOut);
        Assert.DoesNotContain("internal error", opFollow.StdOut);
        Assert.Contains("resuming after a coordinator restart", opFollow.StdOut);
        var op = await CliJson.StatusAsync(_fleet, opId);
        Assert.Equal("succeeded", op.Str("state"));
        var rows = CliJson.Hosts(op);
        Assert.All(_fleet.Web, host => Assert.Equal("succeeded", rows[(host.Name, "restart")].Str("state")));
        Assert.Equal(restartedFirst, _fleet.Web[0].RunState()?.Pid);
        Assert.All(_fleet.Web.Skip(1).Select((host, i) => (host, old: before[i + 1])), h => Assert.NotEqual(h.old, h.host.RunState()?.Pid));
        foreach (var host in _fleet.Web)
        {
            Assert.Equal($"hello {version}", await Http.GetBodyAsync(host.Port));
        }
    }

    private async Task SigtermAndStartAsync()
    {
        Assert.True(await _fleet.Coordinator.Process.TerminateAsync(TimeSpan.FromSeconds(30)), "the coordinator was still running 30 s after SIGTERM");
        await _fleet.RestartCoordinatorAsync(CancellationToken.None);
    }

    /// <summary>A detached deploy, two hosts at a time with an 8 s health check; the coordinator stops during the first batch's step.</summary>
    private async Task<(string Id, string Version, CliResult Follow)> DeployAndStopCoordinatorAsync(string file, Func<Task> stop)
    {
        await fixture.EnsureBaselineAsync(output.WriteLine);
        var version = fixture.NextVersion();
        _app.SetVersion(version);
        var manifest = FleetManifest.Write(_app, file, "{ batch: 2 }", "{ command: [\"sleep\", \"8\"], timeout: 30s }", "  step_timeout: 120s");
        var started = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest, "--detach", "--output", "json");
        output.WriteLine(started.ToString());
        CliAssert.Succeeded(started);
        var id = CliJson.DeploymentId(started);
        await RollingDeployTests.WaitUntilAsync(
            () => _fleet.Web[0].CurrentRelease()?.StartsWith($"{version}-", StringComparison.Ordinal) == true, TimeSpan.FromMinutes(3));

        await stop();
        await _fleet.WaitForAgentsAsync(_fleet.Web.Count + 1, CancellationToken.None);
        var follow = await _fleet.AkdctlAsync(_fleet.Root, DeployTimeout, "logs", id, "-f");
        output.WriteLine(follow.ToString());
        return (id, version, follow);
    }

    /// <summary>Resumed, not failed: every host runs the new release, deployed once, and history says the same as its revisions.log.</summary>
    private async Task AssertResumedAsync(string id, string version, CliResult follow)
    {
        var status = await CliJson.StatusAsync(_fleet, id);
        Assert.Equal("succeeded", status.Str("state"));
        Assert.Contains("resuming after a coordinator restart", follow.StdOut);
        var rows = CliJson.Hosts(status);
        var release = _fleet.Web[0].CurrentRelease();
        Assert.StartsWith($"{version}-", release);
        foreach (var host in _fleet.Web)
        {
            Assert.Equal(release, host.CurrentRelease());
            Assert.Equal(("succeeded", release), (rows[(host.Name, "activate")].Str("state"), rows[(host.Name, "activate")].Str("releaseId")));
            var lines = host.Revisions().Where(l => l.Contains($"\t{id}\t", StringComparison.Ordinal)).ToList();
            Assert.EndsWith($"\t{release}\t{id}\tdeployed", Assert.Single(lines));
            Assert.Equal($"hello {version}", await Http.GetBodyAsync(host.Port));
        }

        // Every result was acknowledged once stored: no host keeps one to resend (the test's timeout bounds the wait).
        foreach (var results in _fleet.Web.Select(host => Path.Combine(host.DataDir, "results")).Append(Path.Combine(_fleet.BuildDataDir, "results")))
        {
            while (Directory.Exists(results) && Directory.EnumerateFiles(results).Any())
            {
                await Task.Delay(50);
            }
        }
    }
}
