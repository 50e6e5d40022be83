using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// Rolling deployments on five web hosts: batches and pause, a version whose health check fails,
/// <c>rollback: all</c>, and cancel. The fleet is shared; each test starts from "every host on one
/// healthy release" (see <see cref="FiveWebHostsFixture.EnsureBaselineAsync"/>).
/// </summary>
[Collection(FiveWebHostsCollection.Name)]
public sealed class RollingDeployTests(FiveWebHostsFixture fixture, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan DeployTimeout = TimeSpan.FromMinutes(5);
    private readonly LocalFleet _fleet = fixture.Fleet;
    private readonly HelloApp _app = fixture.App;

    public void Dispose()
    {
        _app.RestoreHealth();
        output.WriteLine(_fleet.Logs());
    }

    [Fact(Timeout = 600_000)]
    public async Task Deploy_Batch2GoodVersionWithPause_AllFiveAnswerWithItBatchByBatch()
    {
        // Arrange
        var version = fixture.NextVersion();
        _app.SetVersion(version);
        var manifest = FleetManifest.Write(_app, "akd.batch2.yaml", "{ batch: 2, pause: 2s }");

        // Act
        var result = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest, "--output", "json");
        output.WriteLine(result.ToString());

        // Assert: every host answers the new version.
        CliAssert.Succeeded(result);
        foreach (var host in _fleet.Web)
        {
            Assert.Equal($"hello {version}", await Http.GetBodyAsync(host.Port));
        }

        // Batches of two, one after another, with the pause between them.
        var steps = CliJson.Lines(result.StdOut).Where(e => e.Str("kind") == "EVENT_KIND_STEP" && e.Str("step") == "activate").ToList();
        DateTime At(string host, string state) => steps.Single(e => e.Str("host") == host && e.Str("state") == state).GetProperty("at").GetDateTime();
        var web = _fleet.Web.Select(h => h.Name).ToList();
        var batch1Done = new[] { At(web[0], "succeeded"), At(web[1], "succeeded") }.Max();
        var batch2Start = new[] { At(web[2], "running"), At(web[3], "running") }.Min();
        var batch2Done = new[] { At(web[2], "succeeded"), At(web[3], "succeeded") }.Max();
        Assert.True(At(web[1], "running") < At(web[0], "succeeded"), "hosts of a batch run in parallel");
        Assert.True(batch2Start - batch1Done >= TimeSpan.FromSeconds(1.9), $"pause between batch 1 and 2: {batch2Start - batch1Done}");
        Assert.True(At(web[4], "running") - batch2Done >= TimeSpan.FromSeconds(1.9), "pause between batch 2 and 3");
    }

    [Fact(Timeout = 600_000)]
    public async Task Deploy_HealthCheckFailsForNewVersion_FirstBatchRolledBackOthersNeverTouched()
    {
        // Arrange: every host on a good release; the next version answers 500 on /health.
        var (oldVersion, oldRelease) = await fixture.EnsureBaselineAsync(output.WriteLine);
        var before = await Task.WhenAll(_fleet.Web.Select(h => h.SnapshotAsync()));
        var version = fixture.NextVersion();
        _app.SetVersion(version);
        _app.BreakHealth();
        var manifest = FleetManifest.Write(_app, "akd.unhealthy.yaml", "{ batch: 2 }",
            "{ http: \"http://127.0.0.1:${PORT}/health\", timeout: 12s, interval: 200ms }");

        // Act
        var result = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest);
        output.WriteLine(result.ToString());

        // Assert: the deploy failed, and said so with its exit code and summary.
        Assert.NotEqual(0, result.ExitCode);
        var id = CliJson.DeploymentId(result);
        var status = await CliJson.StatusAsync(_fleet, id);
        Assert.Equal("failed", status.Str("state"));
        var rows = CliJson.Hosts(status);
        var web = _fleet.Web;

        // The first batch went back to the previous release and answers with it.
        foreach (var host in web.Take(2))
        {
            var row = rows[(host.Name, "activate")];
            Assert.Equal("rolled-back", row.Str("state"));
            Assert.Equal(oldRelease, row.Str("releaseId"));
            Assert.Equal($"hello {oldVersion}", await Http.GetBodyAsync(host.Port));
            Assert.Equal(oldRelease, host.CurrentRelease());
            var added = host.Revisions().Skip(before[web.IndexOf(host)].Revisions.Length).ToList();
            Assert.Equal(2, added.Count);
            Assert.Contains($"{version}-", added[0]);
            Assert.EndsWith("\tfailed", added[0]);
            Assert.Contains(oldRelease, added[1]);
            Assert.EndsWith("\trolled-back", added[1]);
        }

        // The other three were never touched: same answer, same current, same revisions.log, no new release directory.
        foreach (var host in web.Skip(2))
        {
            Assert.Equal("skipped", rows[(host.Name, "activate")].Str("state"));
            Assert.Equal(oldRelease, rows[(host.Name, "activate")].Str("releaseId"));
            var after = await host.SnapshotAsync();
            var was = before[web.IndexOf(host)];
            Assert.Equal(was.Body, after.Body);
            Assert.Equal(was.Current, after.Current);
            Assert.Equal(was.Revisions, after.Revisions);
            Assert.Equal(was.Releases, after.Releases);
        }

        // The summary names the release each host ended on.
        var summaryLine = result.StdOut.Split('\n').Last(l => l.Contains(web[0].Name, StringComparison.Ordinal) && l.Contains("rolled-back", StringComparison.Ordinal));
        Assert.Contains(oldRelease, summaryLine);
    }

    [Fact(Timeout = 600_000)]
    public async Task Deploy_FailureWithinMaxFailures_RolloutCompletesButExitCodeSaysNotEveryHostTookIt()
    {
        // Arrange: the new version's health check fails on web-1 only (by its PORT); one failure is tolerated.
        var (oldVersion, _) = await fixture.EnsureBaselineAsync(output.WriteLine);
        var version = fixture.NextVersion();
        _app.SetVersion(version);
        var unlucky = _fleet.Web[0];
        var manifest = FleetManifest.Write(_app, "akd.tolerated.yaml", "{ batch: all, max_failures: 1 }",
            $$"""{ command: ["sh", "-c", "test \"$PORT\" != {{unlucky.Port}}"], timeout: 15s, interval: 300ms }""");

        // Act
        var result = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest);
        output.WriteLine(result.ToString());

        // Assert: the rollout went on and the deployment succeeded, but akdctl exits non-zero and names the host.
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{unlucky.Name} did not take it", result.StdOut + result.StdErr);
        var status = await CliJson.StatusAsync(_fleet, CliJson.DeploymentId(result));
        Assert.Equal("succeeded", status.Str("state"));
        Assert.Equal($"hello {oldVersion}", await Http.GetBodyAsync(unlucky.Port));
        foreach (var host in _fleet.Web.Skip(1))
        {
            Assert.Equal($"hello {version}", await Http.GetBodyAsync(host.Port));
        }
    }

    [Fact(Timeout = 600_000)]
    public async Task Deploy_RollbackAllAndSecondBatchFails_EarlierBatchRevertedToo()
    {
        // Arrange: the new version is unhealthy only on the hosts of the second batch (web-3, web-4).
        var (oldVersion, oldRelease) = await fixture.EnsureBaselineAsync(output.WriteLine);
        var web = _fleet.Web;
        var untouched = await web[4].SnapshotAsync();
        var version = fixture.NextVersion();
        _app.SetVersion(version);
        _app.BreakHealth(web[2].Port, web[3].Port);
        var manifest = FleetManifest.Write(_app, "akd.rollback-all.yaml", "{ batch: 2, rollback: all }",
            "{ http: \"http://127.0.0.1:${PORT}/health\", timeout: 12s, interval: 200ms }");

        // Act
        var result = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest, "--output", "json");
        output.WriteLine(result.ToString());

        // Assert
        Assert.NotEqual(0, result.ExitCode);
        var status = await CliJson.StatusAsync(_fleet, CliJson.DeploymentId(result));
        Assert.Equal("failed", status.Str("state"));
        var rows = CliJson.Hosts(status);
        foreach (var host in web.Take(2))
        {
            Assert.Equal("succeeded", rows[(host.Name, "activate")].Str("state"));
            Assert.Equal("rolled-back", rows[(host.Name, "rollback")].Str("state"));
            Assert.Equal(oldRelease, rows[(host.Name, "rollback")].Str("releaseId"));
            Assert.EndsWith($"{oldRelease}\t{status.Str("id")}\trolled-back", host.Revisions()[^1]);
        }

        foreach (var host in web.Skip(2).Take(2))
        {
            Assert.Equal("rolled-back", rows[(host.Name, "activate")].Str("state"));
            Assert.Equal(oldRelease, rows[(host.Name, "activate")].Str("releaseId"));
        }

        Assert.Equal("skipped", rows[(web[4].Name, "activate")].Str("state"));
        Assert.Equal(untouched.Revisions, web[4].Revisions());
        foreach (var host in web)
        {
            Assert.Equal($"hello {oldVersion}", await Http.GetBodyAsync(host.Port));
            Assert.Equal(oldRelease, host.CurrentRelease());
        }
    }

    [Fact(Timeout = 600_000)]
    public async Task Cancel_DuringFirstBatch_InFlightHostsGoBackAndTheRestAreUntouched()
    {
        // Arrange: a slow health check keeps the first batch in flight long enough to cancel it.
        var (oldVersion, oldRelease) = await fixture.EnsureBaselineAsync(output.WriteLine);
        var web = _fleet.Web;
        var before = await Task.WhenAll(web.Select(h => h.SnapshotAsync()));
        var version = fixture.NextVersion();
        _app.SetVersion(version);
        var manifest = FleetManifest.Write(_app, "akd.slow.yaml", "{ batch: 2 }", "{ command: [\"sleep\", \"6\"], timeout: 30s }");
        var started = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest, "--detach", "--output", "json");
        output.WriteLine(started.ToString());
        CliAssert.Succeeded(started);
        var id = CliJson.DeploymentId(started);
        await WaitUntilAsync(() => web[0].RunState() is { Release: var r } && r.StartsWith($"{version}-", StringComparison.Ordinal), TimeSpan.FromMinutes(3));

        // Act
        var cancel = await _fleet.AkdctlAsync(_fleet.Root, TimeSpan.FromMinutes(2), "cancel", id);
        output.WriteLine(cancel.ToString());

        // Assert: cancelled, recorded with who did it; akdctl printed from the cancel on, not the build's log again.
        CliAssert.Succeeded(cancel);
        Assert.Contains("cancelling: cancel requested by", cancel.StdOut);
        Assert.DoesNotContain("mix release", cancel.StdOut);
        var status = await CliJson.StatusAsync(_fleet, id);
        Assert.Equal("cancelled", status.Str("state"));
        Assert.NotEqual("", status.Str("cancelledBy"));
        var rows = CliJson.Hosts(status);

        // The hosts in flight finished their step and went back.
        foreach (var host in web.Take(2))
        {
            Assert.Equal("succeeded", rows[(host.Name, "activate")].Str("state"));
            Assert.Equal("rolled-back", rows[(host.Name, "rollback")].Str("state"));
            Assert.Equal($"hello {oldVersion}", await Http.GetBodyAsync(host.Port));
            Assert.Equal(oldRelease, host.CurrentRelease());
        }

        // The others were never touched.
        foreach (var host in web.Skip(2))
        {
            Assert.Equal("skipped", rows[(host.Name, "activate")].Str("state"));
            Assert.Equal(before[web.IndexOf(host)].Revisions, host.Revisions());
            Assert.Equal($"hello {oldVersion}", await Http.GetBodyAsync(host.Port));
        }
    }

    [Fact(Timeout = 600_000)]
    public async Task Deploy_SomethingElseAnswersOnThePort_HealthCheckDoesNotPassForTheNewRelease()
    {
        // Arrange: web-1's app is stopped and an impostor answers 200 "ok" on 127.0.0.1:PORT; the new
        // version listens on 127.0.0.2 and runs fine, so only "who holds the port" tells them apart.
        var (oldVersion, oldRelease) = await fixture.EnsureBaselineAsync(output.WriteLine);
        var web1 = _fleet.Web[0];
        var stop = await _fleet.AkdctlAsync(_fleet.Root, DeployTimeout, "stop", "hello");
        CliAssert.Succeeded(stop);
        var version = fixture.NextVersion();
        _app.SetVersion(version);
        var manifest = FleetManifest.Write(_app, "akd.impostor.yaml", "{ batch: 1 }",
            "{ http: \"http://127.0.0.1:${PORT}/health\", timeout: 12s, interval: 200ms }", env: "{ PORT: \"4000\", BIND: \"127.0.0.2\" }");
        CliResult result;
        using (ImpostorServer.Start(web1.Port))
        {
            // Act
            result = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest, "--output", "json");
            output.WriteLine(result.ToString());
        }

        // Assert: the deploy failed on web-1 because the port was not the new release's, and went no further.
        Assert.NotEqual(0, result.ExitCode);
        var rows = CliJson.Hosts(await CliJson.StatusAsync(_fleet, CliJson.DeploymentId(result)));
        var row = rows[(web1.Name, "activate")];
        Assert.Equal("rolled-back", row.Str("state"));
        Assert.Contains($"is held by pid {Environment.ProcessId}, not by the new release", row.Str("message"));
        Assert.All(_fleet.Web.Skip(1), host => Assert.Equal("skipped", rows[(host.Name, "activate")].Str("state")));

        // The app was stopped before the deploy, so its env came from shared/.env: web-1 went back to it, not to the failed deploy's BIND.
        Assert.DoesNotContain("BIND=", File.ReadAllText(Path.Combine(web1.DeployPath(HostProbe.App), "shared", ".env")));

        // Once the impostor is gone, the fleet runs the old release again (restart: web-1's old release, put back
        // with its own env, could not take the port while the impostor held it).
        var start = await _fleet.AkdctlAsync(_fleet.Root, DeployTimeout, "restart", "hello");
        output.WriteLine(start.ToString());
        CliAssert.Succeeded(start);
        Assert.Equal(oldRelease, web1.CurrentRelease());
        foreach (var host in _fleet.Web)
        {
            Assert.Equal($"hello {oldVersion}", await Http.GetBodyAsync(host.Port));
        }
    }

    [Fact(Timeout = 600_000)]
    public async Task Deploy_FirstReleaseAtANewPathIsUnhealthy_HostKeepsNoCurrentAndNothingRunsThere()
    {
        // Arrange: a second copy of the app under its own deploy path, so no host has a release there yet.
        // It listens on 127.0.0.2 (the baseline app keeps 127.0.0.1:PORT) and answers 500 on /health.
        var (oldVersion, _) = await fixture.EnsureBaselineAsync(output.WriteLine);
        var web1 = _fleet.Web[0];
        _app.SetVersion(fixture.NextVersion());
        _app.BreakHealth();
        var yaml = FleetManifest.Yaml("{ batch: 1 }", "{ http: \"http://127.0.0.2:${PORT}/health\", timeout: 5s, interval: 200ms }",
            env: "{ PORT: \"4000\", BIND: \"127.0.0.2\" }").Replace("path: apps/hello", "path: apps/hello-first", StringComparison.Ordinal);
        var manifest = _app.WriteManifest("akd.first.yaml", yaml);

        // Act
        var result = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest, "--output", "json");
        output.WriteLine(result.ToString());

        // Assert: web-1 failed with nothing to go back to, and the rollout stopped there.
        Assert.NotEqual(0, result.ExitCode);
        var row = CliJson.Hosts(await CliJson.StatusAsync(_fleet, CliJson.DeploymentId(result)))[(web1.Name, "activate")];
        Assert.Equal("failed", row.Str("state"));
        Assert.Contains("there was no previous release to go back to", row.Str("message"));

        // The host is as before the deploy: no current link, no recorded running app, nothing on 127.0.0.2:PORT;
        // the failed release stays on disk and revisions.log says it failed.
        var path = web1.DeployPath("hello-first");
        Assert.False(Path.Exists(Path.Combine(path, "current")), "current must not point at a release that failed its health check");
        Assert.False(File.Exists(Path.Combine(path, "shared", ".akd-run.json")));
        Assert.Single(Directory.GetDirectories(Path.Combine(path, "releases")));
        Assert.EndsWith("\tfailed", File.ReadAllLines(Path.Combine(path, "revisions.log")).Last());
        using (var probe = new System.Net.Sockets.TcpClient())
        {
            await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync("127.0.0.2", web1.Port));
        }

        // The app at the usual path was never touched.
        Assert.Equal($"hello {oldVersion}", await Http.GetBodyAsync(web1.Port));
    }

    [Fact(Timeout = 600_000)]
    public async Task Deploy_ReleaseThatCannotBoot_ErrorQuotesTheReleasesOwnLog()
    {
        // Arrange: a release whose application crashes in start/2 (BIND is not an address; the hosts set
        // PORT themselves), under its own deploy path so the baseline app is untouched.
        await fixture.EnsureBaselineAsync(output.WriteLine);
        var web1 = _fleet.Web[0];
        _app.SetVersion(fixture.NextVersion());
        var yaml = FleetManifest.Yaml("{ batch: 1 }", "{ tcp: \"127.0.0.2:4999\", timeout: 5s, interval: 200ms }",
            env: "{ BIND: \"not-an-address\" }").Replace("path: apps/hello", "path: apps/hello-crash", StringComparison.Ordinal);
        var manifest = _app.WriteManifest("akd.crash.yaml", yaml);

        // Act
        var result = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest, "--output", "json");
        output.WriteLine(result.ToString());

        // Assert: the step's error carries the app's own words from tmp/log/erlang.log.*, not only "not running".
        Assert.NotEqual(0, result.ExitCode);
        var row = CliJson.Hosts(await CliJson.StatusAsync(_fleet, CliJson.DeploymentId(result)))[(web1.Name, "activate")];
        Assert.Equal("failed", row.Str("state"));
        Assert.Contains("erlang.log", row.Str("message"));
        Assert.Contains("BIND must be an IP address", row.Str("message"));
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, $"condition not met within {timeout}");
            await Task.Delay(100);
        }
    }
}
