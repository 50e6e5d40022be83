using Akd.IntegrationTests.Fleet;
using Akd.Testing;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// Two real coordinator processes (replicas a and b) on one throwaway PostgreSQL database, each with a data dir of its
/// own (nothing copied between them: CA, tokens and artifacts are shared through the database): the build agent on a,
/// the web agents on b (one of them given a dead URL first), akdctl on either. Operator tokens and agent revokes made
/// through one replica count on the other (IdentitySync), checked at the end of the first case rather than on a fleet of their own.
/// </summary>
public sealed class ReplicaTests(PostgresCluster cluster, ITestOutputHelper output) : IClassFixture<PostgresCluster>
{
    private static readonly TimeSpan DeployTimeout = TimeSpan.FromMinutes(5);

    [SkippableFact(Timeout = 900_000)]
    public async Task Deploy_ViaReplicaAToAgentsOnReplicaB_EveryHostOnTheReleaseTheSameHistoryFromBothLockCancelTokenAndRevokeAcross()
    {
        // Arrange
        var database = await cluster.CreateDatabaseAsync(CancellationToken.None);
        var postgres = cluster.ConnectionString(database);
        var fleet = await LocalFleet.StartAsync(new FleetOptions { CoordinatorArgs = ["--postgres", postgres, "--replica-id", "a"] }, CancellationToken.None);
        try
        {
            var b = await fleet.AddReplicaAsync(["--postgres", postgres, "--replica-id", "b"], CancellationToken.None);
            fleet.AgentCoordinatorUrl = b.Url;
            await fleet.AddWebAgentAsync("1", "role=web", new Dictionary<string, string>(), CancellationToken.None);
            fleet.AgentCoordinatorUrl = $"https://127.0.0.1:{Ports.Free()},{b.Url}";
            await fleet.AddWebAgentAsync("2", "role=web", new Dictionary<string, string>(), CancellationToken.None);
            var app = HelloApp.CopyTo(fleet.Root);
            var viaB = fleet.CliEnv(new Dictionary<string, string> { ["AKD_TOKEN"] = fleet.AdminToken });

            // Act: deploy through a; while it runs, a second deploy of the same app through b.
            var started = await fleet.AkdctlAsync(app.Dir, DeployTimeout, "deploy", "-f", app.Manifest, "--detach", "--output", "json");
            output.WriteLine(started.ToString());
            CliAssert.Succeeded(started);
            var id = CliJson.DeploymentId(started);
            var refused = await CliRun.RunAsync(fleet.Programs.Cli, b.Url, app.Dir, DeployTimeout, viaB, ["deploy", "-f", app.Manifest]);
            output.WriteLine(refused.ToString());
            var followedOnB = await CliRun.RunAsync(fleet.Programs.Cli, b.Url, fleet.Root, DeployTimeout, viaB, ["logs", id, "-f", "--output", "json"]);
            var onA = await fleet.AkdctlAsync(fleet.Root, TimeSpan.FromSeconds(60), "logs", id, "--output", "json");
            var onB = await CliRun.RunAsync(fleet.Programs.Cli, b.Url, fleet.Root, TimeSpan.FromSeconds(60), viaB, ["logs", id, "--output", "json"]);
            var agentsOnB = await CliRun.RunAsync(fleet.Programs.Cli, b.Url, fleet.Root, TimeSpan.FromSeconds(60), viaB, ["agents", "--output", "json"]);

            // Assert: the deploy driven by a reached b's agents, and both serve the new release.
            var status = await CliJson.StatusAsync(fleet, id);
            Assert.Equal("succeeded", status.Str("state"));
            foreach (var web in fleet.Web)
            {
                Assert.Equal("succeeded", CliJson.Hosts(status)[(web.Name, "activate")].Str("state"));
                Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(web.Port));
            }

            // Assert: b refused the second deploy on a's lock, naming a's deployment.
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains($"is locked by deploy {id}", refused.StdErr);

            // Assert: the history is the same from either replica, and b's live follower saw all of it, ending with the verdict.
            var history = CliJson.Lines(onA.StdOut).Select(e => e.GetRawText()).ToList();
            Assert.Contains(history, e => e.Contains("\"succeeded\"", StringComparison.Ordinal));
            Assert.Equal(history, CliJson.Lines(onB.StdOut).Select(e => e.GetRawText()));
            Assert.Equal(history, CliJson.Lines(followedOnB.StdOut).Select(e => e.GetRawText()));

            // Assert: b, which never had the release, fetched it from the database for its agents; a's CA key stayed off b's disk.
            var onDiskOfA = await fleet.ArtifactPathAsync(id, CancellationToken.None);
            var onDiskOfB = Path.Combine(b.DataDir, Path.GetRelativePath(fleet.Coordinator.DataDir, onDiskOfA));
            Assert.Equal(await File.ReadAllBytesAsync(onDiskOfA), await File.ReadAllBytesAsync(onDiskOfB));
            Assert.False(File.Exists(Path.Combine(b.DataDir, "pki", "ca.key")));

            // Assert: either replica lists every agent online, and b logged the steps it ran for a.
            Assert.All(CliJson.Lines(agentsOnB.StdOut), a => Assert.Equal("online", a.Str("state")));
            Assert.Equal(3, CliJson.Lines(agentsOnB.StdOut).Count);
            Assert.Contains("routed to replica b", fleet.Coordinator.Process.Output);

            // Act: a slow rolling deploy through a, cancelled through b.
            app.SetVersion("0.3.0");
            var slow = FleetManifest.Write(app, "akd.slow.yaml", "{ batch: 1 }", "{ command: [\"sleep\", \"6\"], timeout: 30s }");
            var second = await fleet.AkdctlAsync(app.Dir, DeployTimeout, "deploy", "-f", slow, "--detach", "--output", "json");
            CliAssert.Succeeded(second);
            var secondId = CliJson.DeploymentId(second);
            await RollingDeployTests.WaitUntilAsync(() => fleet.Web[0].CurrentRelease()?.StartsWith("0.3.0-", StringComparison.Ordinal) == true, TimeSpan.FromMinutes(3));
            var cancel = await CliRun.RunAsync(fleet.Programs.Cli, b.Url, fleet.Root, TimeSpan.FromMinutes(2), viaB, ["cancel", secondId]);
            output.WriteLine(cancel.ToString());

            // Assert: b handed the cancel to a, which drives it; it ended cancelled, by whom is recorded.
            CliAssert.Succeeded(cancel);
            var cancelled = await CliJson.StatusAsync(fleet, secondId);
            Assert.Equal("cancelled", cancelled.Str("state"));
            Assert.NotEqual("", cancelled.Str("cancelledBy"));
            Assert.Equal("skipped", CliJson.Hosts(cancelled)[(fleet.Web[1].Name, "activate")].Str("state"));

            // Act: an operator token created through a, used on b; web agent 2, connected to b, revoked through a.
            var created = await fleet.AkdctlAsync(fleet.Root, TimeSpan.FromSeconds(60), "tokens", "create", "ci-viewer", "--role", "viewer");
            CliAssert.Succeeded(created);
            var viewerOnB = fleet.CliEnv(new Dictionary<string, string> { ["AKD_TOKEN"] = created.StdOut.Trim() });
            var revokedName = fleet.Web[1].Name;
            var revoke = await fleet.AkdctlAsync(fleet.Root, TimeSpan.FromSeconds(60), "agents", "revoke", revokedName);
            output.WriteLine(revoke.ToString());

            // Assert: within a few of b's identity syncs (2 s each), b accepts the token and drops the revoked agent's
            // stream; the agent, reconnecting, is refused, so it stays offline on b.
            CliAssert.Succeeded(revoke);
            var viewed = await CliAssert.EventuallyAsync(
                () => CliRun.RunAsync(fleet.Programs.Cli, b.Url, fleet.Root, TimeSpan.FromSeconds(30), viewerOnB, ["agents", "--output", "json"]),
                r => r.ExitCode == 0 && CliJson.Lines(r.StdOut).Any(a => a.Str("name") == revokedName && a.Str("state") != "online"));
            CliAssert.Succeeded(viewed);
            await Task.Delay(TimeSpan.FromSeconds(6));
            var later = await CliRun.RunAsync(fleet.Programs.Cli, b.Url, fleet.Root, TimeSpan.FromSeconds(30), viewerOnB, ["agents", "--output", "json"]);
            Assert.NotEqual("online", CliJson.Lines(later.StdOut).Single(a => a.Str("name") == revokedName).Str("state"));
        }
        finally
        {
            output.WriteLine(fleet.Logs());
            await fleet.DisposeAsync();
            await cluster.DropDatabaseAsync(database, CancellationToken.None);
        }
    }

    [SkippableFact(Timeout = 900_000)]
    public async Task Deploy_DrivingReplicaKilledMidRollout_TheOtherTakesOverAndFinishesEveryHostOnce()
    {
        // Arrange: replica a with the build agent and web-1 (both also know b, which is not up yet, so they settle on a);
        // replica b with web-2. A rolling deploy through a, one host at a time, each health check taking 8 s.
        var database = await cluster.CreateDatabaseAsync(CancellationToken.None);
        var postgres = cluster.ConnectionString(database);
        var bPort = Ports.Free();
        var bUrl = $"https://127.0.0.1:{bPort}";
        var fleet = await LocalFleet.StartAsync(new FleetOptions
        {
            WebAgents = 1,
            CoordinatorArgs = ["--postgres", postgres, "--replica-id", "a"],
            AgentCoordinatorUrls = a => $"{a},{bUrl}",
        }, CancellationToken.None);
        try
        {
            var b = await fleet.AddReplicaAsync(["--postgres", postgres, "--replica-id", "b"], CancellationToken.None, bPort);
            fleet.AgentCoordinatorUrl = b.Url;
            await fleet.AddWebAgentAsync("2", "role=web", new Dictionary<string, string>(), CancellationToken.None);
            var both = $"{fleet.CoordinatorUrl},{b.Url}";
            var env = fleet.CliEnv(new Dictionary<string, string> { ["AKD_TOKEN"] = fleet.AdminToken });
            var app = HelloApp.CopyTo(fleet.Root);
            app.SetVersion("0.2.0");
            var manifest = FleetManifest.Write(app, "akd.takeover.yaml", "{ batch: 1 }", "{ command: [\"sleep\", \"8\"], timeout: 30s }", "  step_timeout: 120s");
            var started = await fleet.AkdctlAsync(app.Dir, DeployTimeout, "deploy", "-f", manifest, "--detach", "--output", "json");
            output.WriteLine(started.ToString());
            CliAssert.Succeeded(started);
            var id = CliJson.DeploymentId(started);
            var first = fleet.Web[0];
            await RollingDeployTests.WaitUntilAsync(() => first.CurrentRelease()?.StartsWith("0.2.0-", StringComparison.Ordinal) == true, TimeSpan.FromMinutes(3));

            // Act: kill -9 of the driving replica during web-1's step; akdctl names both replicas and reaches b.
            fleet.Coordinator.Process.Kill();
            var follow = await CliRun.RunAsync(fleet.Programs.Cli, both, fleet.Root, DeployTimeout, env, ["logs", id, "-f"]);
            output.WriteLine(follow.ToString());
            var status = await CliRun.RunAsync(fleet.Programs.Cli, both, fleet.Root, TimeSpan.FromSeconds(60), env, ["status", id, "--output", "json"]);
            var agents = await CliRun.RunAsync(fleet.Programs.Cli, b.Url, fleet.Root, TimeSpan.FromSeconds(60), env, ["agents", "--output", "json"]);
            var onB = await CliRun.RunAsync(fleet.Programs.Cli, b.Url, fleet.Root, TimeSpan.FromSeconds(60), env, ["logs", id, "--output", "json"]);
            await fleet.RestartCoordinatorAsync(CancellationToken.None);
            var onA = await fleet.AkdctlAsync(fleet.Root, TimeSpan.FromSeconds(60), "logs", id, "--output", "json");

            // Assert: b took it over and finished it; every host runs the new release, deployed once.
            output.WriteLine(status.ToString());
            var deployment = Assert.Single(CliJson.Lines(status.StdOut));
            Assert.Equal("succeeded", deployment.Str("state"));
            Assert.Contains("taken over", follow.StdOut);
            var rows = CliJson.Hosts(deployment);
            var release = first.CurrentRelease();
            Assert.StartsWith("0.2.0-", release);
            foreach (var host in fleet.Web)
            {
                Assert.Equal(release, host.CurrentRelease());
                Assert.Equal(("succeeded", release), (rows[(host.Name, "activate")].Str("state"), rows[(host.Name, "activate")].Str("releaseId")));
                var lines = host.Revisions().Where(l => l.Contains($"\t{id}\t", StringComparison.Ordinal)).ToList();
                Assert.EndsWith($"\t{release}\t{id}\tdeployed", Assert.Single(lines));
                Assert.Equal("hello 0.2.0", await Http.GetBodyAsync(host.Port));
            }

            // Assert: the agents of the dead replica came back on b; the history is the same from b and from a restarted.
            Assert.Equal(3, CliJson.Lines(agents.StdOut).Count(a => a.Str("state") == "online"));
            var history = CliJson.Lines(onB.StdOut).Select(e => e.GetRawText()).ToList();
            Assert.Contains(history, e => e.Contains("taken over", StringComparison.Ordinal));
            Assert.Equal(history, CliJson.Lines(onA.StdOut).Select(e => e.GetRawText()));
        }
        finally
        {
            output.WriteLine(fleet.Logs());
            await fleet.DisposeAsync();
            await cluster.DropDatabaseAsync(database, CancellationToken.None);
        }
    }
}
