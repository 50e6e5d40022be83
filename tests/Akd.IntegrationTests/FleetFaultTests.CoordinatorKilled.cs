using Akd.IntegrationTests.Fleet;

namespace Akd.IntegrationTests;

/// <summary>
/// The coordinator killed (kill -9) in the middle of a rolling deploy: its hosts keep the results of the
/// steps they ran meanwhile and resend them, and the restarted coordinator resumes the rollout from the
/// next batch instead of declaring the deployment failed blind.
/// </summary>
public sealed partial class FleetFaultTests
{
    [Fact(Timeout = 600_000)]
    public async Task Deploy_CoordinatorKilledMidRollout_ResumesAfterRestartAndEveryHostMatchesHistory()
    {
        // Arrange: one host at a time, each health check 8 s, so the coordinator dies during the first host's step.
        await fixture.EnsureBaselineAsync(output.WriteLine);
        var version = fixture.NextVersion();
        _app.SetVersion(version);
        var manifest = FleetManifest.Write(_app, "akd.resume.yaml", "{ batch: 1 }", "{ command: [\"sleep\", \"8\"], timeout: 30s }", "  step_timeout: 120s");
        var started = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest, "--detach", "--output", "json");
        output.WriteLine(started.ToString());
        Assert.Equal(0, started.ExitCode);
        var id = CliJson.DeploymentId(started);
        var first = _fleet.Web[0];
        await RollingDeployTests.WaitUntilAsync(
            () => first.CurrentRelease()?.StartsWith($"{version}-", StringComparison.Ordinal) == true, TimeSpan.FromMinutes(3));

        // Act: kill -9 and start again on the same data dir; the agents reconnect by themselves.
        await _fleet.RestartCoordinatorAsync(CancellationToken.None);
        await _fleet.WaitForAgentsAsync(_fleet.Web.Count + 1, CancellationToken.None);
        var follow = await _fleet.AkdctlAsync(_fleet.Root, DeployTimeout, "logs", id, "-f");
        output.WriteLine(follow.ToString());

        // Assert: resumed, not failed; every host runs the new release, deployed once, and history says the same.
        var status = await CliJson.StatusAsync(_fleet, id);
        Assert.Equal("succeeded", status.Str("state"));
        Assert.Contains("resuming after a coordinator restart", follow.StdOut);
        var rows = CliJson.Hosts(status);
        var release = first.CurrentRelease();
        Assert.StartsWith($"{version}-", release);
        foreach (var host in _fleet.Web)
        {
            Assert.Equal(release, host.CurrentRelease());
            Assert.Equal(("succeeded", release), (rows[(host.Name, "activate")].Str("state"), rows[(host.Name, "activate")].Str("releaseId")));
            var lines = host.Revisions().Where(l => l.Contains($"\t{id}\t", StringComparison.Ordinal)).ToList();
            Assert.EndsWith($"\t{release}\t{id}\tdeployed", Assert.Single(lines));
            Assert.Equal($"hello {version}", await Http.GetBodyAsync(host.Port));
        }
    }
}
