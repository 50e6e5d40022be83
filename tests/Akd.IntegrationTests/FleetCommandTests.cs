using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// What an operator does to a deployed app on five hosts: <c>akdctl rollback</c>, <c>releases</c>,
/// <c>stop</c>, <c>start</c>, <c>restart</c>. Shares the fleet of <see cref="RollingDeployTests"/>.
/// </summary>
[Collection(FiveWebHostsCollection.Name)]
public sealed class FleetCommandTests(FiveWebHostsFixture fixture, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);
    private readonly LocalFleet _fleet = fixture.Fleet;
    private readonly HelloApp _app = fixture.App;

    public void Dispose() => output.WriteLine(_fleet.Logs());

    [Fact(Timeout = 600_000)]
    public async Task Rollback_AfterTwoDeploys_HostsAnswerTheOldVersionAndRevisionsLogIt()
    {
        // Arrange: the old release everywhere, then a good new one on top.
        var (oldVersion, oldRelease) = await fixture.EnsureBaselineAsync(output.WriteLine);
        var version = fixture.NextVersion();
        _app.RestoreHealth();
        _app.SetVersion(version);
        var manifest = FleetManifest.Write(_app, "akd.rollback.yaml", "{ batch: 3 }");
        var deploy = await _fleet.AkdctlAsync(_app.Dir, CommandTimeout, "deploy", "-f", manifest);
        output.WriteLine(deploy.ToString());
        CliAssert.Succeeded(deploy);
        var newRelease = _fleet.Web[0].CurrentRelease();

        // Act: what each host keeps, then the rollback.
        var releases = await _fleet.AkdctlAsync(_fleet.Root, CommandTimeout, "releases", "hello", "--output", "json");
        output.WriteLine(releases.ToString());
        var rollback = await _fleet.AkdctlAsync(_fleet.Root, CommandTimeout, "rollback", "hello");
        output.WriteLine(rollback.ToString());

        // Assert: releases lists, per host, the current release, where a rollback goes and both kept releases.
        CliAssert.Succeeded(releases);
        var perHost = CliJson.Lines(releases.StdOut).ToDictionary(h => h.Str("host"));
        Assert.Equal(_fleet.Web.Select(h => h.Name).Order(), perHost.Keys.Order());
        foreach (var (_, host) in perHost)
        {
            var kept = host.GetProperty("releases");
            Assert.Equal(newRelease, kept.Str("currentReleaseId"));
            Assert.Equal(oldRelease, kept.Str("rollbackTarget"));
            Assert.True(kept.GetProperty("running").GetBoolean());
            var ids = kept.GetProperty("releases").EnumerateArray().Select(r => r.Str("releaseId")).ToList();
            Assert.Contains(oldRelease, ids);
            Assert.Contains(newRelease, ids);
        }

        // Every host answers the old version again, and revisions.log says it was a rollback.
        CliAssert.Succeeded(rollback);
        var id = CliJson.DeploymentId(rollback);
        foreach (var host in _fleet.Web)
        {
            Assert.Equal($"hello {oldVersion}", await Http.GetBodyAsync(host.Port));
            Assert.Equal(oldRelease, host.CurrentRelease());
            Assert.EndsWith($"\t{oldRelease}\t{id}\trolled-back", host.Revisions()[^1]);
        }

        // The history has it as a rollback, with the release's artifact.
        var status = await CliJson.StatusAsync(_fleet, id);
        Assert.Equal("rollback", status.Str("kind"));
        Assert.Equal("succeeded", status.Str("state"));
        Assert.Equal(oldRelease, status.Str("releaseId"));
        Assert.Matches("^[0-9a-f]{64}$", status.Str("artifactSha256"));
        Assert.All(CliJson.Hosts(status).Values, row => Assert.Equal("rolled-back", row.Str("state")));
    }

    [Fact(Timeout = 600_000)]
    public async Task Rollback_ToAReleaseOneHostNoLongerKeeps_RefusedNamingItAndNoHostMoves()
    {
        // Arrange: a new release on top of the baseline everywhere; then the last host loses the baseline's directory
        // (as a host whose keep_releases pruned it, or an operator's cleanup).
        var (_, baseline) = await fixture.EnsureBaselineAsync(output.WriteLine);
        var version = fixture.NextVersion();
        _app.RestoreHealth();
        _app.SetVersion(version);
        var deploy = await _fleet.AkdctlAsync(_app.Dir, CommandTimeout, "deploy", "-f", FleetManifest.Write(_app, "akd.pruned.yaml", "{ batch: all }"));
        output.WriteLine(deploy.ToString());
        CliAssert.Succeeded(deploy);
        var current = _fleet.Web[0].CurrentRelease();
        var pruned = _fleet.Web[^1];
        Directory.Delete(Path.Combine(pruned.DeployPath("hello"), "releases", baseline), recursive: true);

        // Act
        var rollback = await _fleet.AkdctlAsync(_fleet.Root, CommandTimeout, "rollback", "hello", "--to", baseline);
        var latest = await _fleet.AkdctlAsync(_fleet.Root, CommandTimeout, "deployments", "--output", "json");

        // Assert: refused before anything ran, naming the host that lacks it; every host still answers the new release,
        // and the history's latest entry is still the deploy (no rollback was started).
        output.WriteLine($"{rollback}\n{latest}");
        Assert.Equal(1, rollback.ExitCode);
        Assert.Contains($"release {baseline} is not kept on {pruned.Name}; no host was touched (kept on every target: ", rollback.StdErr);
        Assert.Matches($"kept on every target: [^;]*{current}[^;]*; see akdctl releases hello", rollback.StdErr);
        foreach (var host in _fleet.Web)
        {
            Assert.Equal(current, host.CurrentRelease());
            Assert.Equal($"hello {version}", await Http.GetBodyAsync(host.Port));
        }

        Assert.Equal(CliJson.DeploymentId(deploy), CliJson.Lines(latest.StdOut).First().Str("id"));
    }

    [Fact(Timeout = 600_000)]
    public async Task StopStartRestart_AcrossTheFleet_AppStopsStartsAndGetsNewProcesses()
    {
        // Arrange
        var (version, release) = await fixture.EnsureBaselineAsync(output.WriteLine);

        // Act + Assert: stop; nothing answers.
        var stop = await _fleet.AkdctlAsync(_fleet.Root, CommandTimeout, "stop", "hello");
        output.WriteLine(stop.ToString());
        CliAssert.Succeeded(stop);
        foreach (var host in _fleet.Web)
        {
            Assert.Null(await host.BodyOrNullAsync());
        }

        // start: every host answers the same release again.
        var start = await _fleet.AkdctlAsync(_fleet.Root, CommandTimeout, "start", "hello");
        output.WriteLine(start.ToString());
        CliAssert.Succeeded(start);
        foreach (var host in _fleet.Web)
        {
            Assert.Equal($"hello {version}", await Http.GetBodyAsync(host.Port));
            Assert.Equal(release, host.CurrentRelease());
        }

        // restart: same release, new processes.
        var pids = _fleet.Web.Select(h => h.RunState()?.Pid).ToList();
        var restart = await _fleet.AkdctlAsync(_fleet.Root, CommandTimeout, "restart", "hello", "--output", "json");
        output.WriteLine(restart.ToString());
        CliAssert.Succeeded(restart);
        for (var i = 0; i < _fleet.Web.Count; i++)
        {
            Assert.Equal($"hello {version}", await Http.GetBodyAsync(_fleet.Web[i].Port));
            Assert.NotNull(_fleet.Web[i].RunState()?.Pid);
            Assert.NotEqual(pids[i], _fleet.Web[i].RunState()?.Pid);
        }

        // Each is in the history with its kind.
        var history = await _fleet.AkdctlAsync(_fleet.Root, CommandTimeout, "deployments", "--app", "hello", "--limit", "3", "--output", "json");
        Assert.Equal(["restart", "start", "stop"], CliJson.Lines(history.StdOut).Select(d => d.Str("kind")));
        Assert.All(CliJson.Lines(history.StdOut), d => Assert.Equal("succeeded", d.Str("state")));
    }
}
