using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// deploy.upgrade hot and auto end to end: coordinator, build agent, one web agent and akdctl, deploying
/// examples/counter (a GenServer counter) with the real mix. The VM, its pid and a 10 ms poller are real.
/// </summary>
public sealed class HotUpgradeDeployTests(ITestOutputHelper output) : OneHostFleetTests(output, example: RepoRoot.CounterExample)
{
    [Fact(Timeout = 900_000)]
    public async Task Deploy_HotThenRollbackThenAgentKilledMidUpgrade_SameVmCounterMigratedAndTheHostEndsConsistent()
    {
        // Arrange: 0.1.0 deployed and counted to 5.
        var manifest = Manifest("hot");
        await DeployAsync(manifest, expectSuccess: true);
        for (var i = 0; i < 5; i++)
        {
            await Http.GetBodyAsync(Host.Port, "/incr");
        }

        var pid = Tool.RecordedPid(Host.DeployPath("counter"));
        Assert.NotNull(pid);
        NextVersion("0.2.0");

        // Act: deploy 0.2.0 under a request every 10 ms.
        var (deploy, failures, answers) = await WhilePollingAsync(() => DeployAsync(manifest, expectSuccess: true));

        // Assert: the same VM runs 0.2.0 with the count migrated by code_change/3; no request failed.
        Assert.Contains("hot-upgraded 0.1.0 -> 0.2.0", deploy.StdOut);
        Assert.Equal("counter 0.2.0", await Http.GetBodyAsync(Host.Port));
        Assert.Equal("5", await Http.GetBodyAsync(Host.Port, "/count"));
        Assert.Equal(pid, Tool.RecordedPid(Host.DeployPath("counter")));
        Assert.True(Directory.Exists($"/proc/{pid}"));
        Assert.True(answers > 0);
        Assert.Empty(failures);
        var revisions = File.ReadAllLines(Path.Combine(Host.DeployPath("counter"), "revisions.log"));
        Assert.EndsWith("\thot-upgraded 0.1.0 -> 0.2.0", revisions[^1]);
        Assert.StartsWith("0.2.0-", new FileInfo(Path.Combine(Host.DeployPath("counter"), "current")).LinkTarget!.Replace("releases/", "", StringComparison.Ordinal));

        // Act: roll back.
        var rollback = await Fleet.AkdctlAsync(App.Dir, DeployTimeout, "rollback", "counter");
        Output.WriteLine(rollback.ToString());

        // Assert: back on 0.1.0 in the same VM, count kept.
        CliAssert.Succeeded(rollback);
        Assert.Equal("counter 0.1.0", await Http.GetBodyAsync(Host.Port));
        Assert.Equal("5", await Http.GetBodyAsync(Host.Port, "/count"));
        Assert.Equal(pid, Tool.RecordedPid(Host.DeployPath("counter")));
        Assert.EndsWith("\thot-downgraded 0.2.0 -> 0.1.0", File.ReadAllLines(Path.Combine(Host.DeployPath("counter"), "revisions.log"))[^1]);

        // Arrange: 0.3.0 (Fixtures/counter_gated), whose code_change/3 waits at a gate: the upgrade can be caught in the middle.
        App.Overlay(Path.Combine(RepoRoot.Path, "tests", "Akd.IntegrationTests", "Fixtures", "counter_gated"));
        App.SetVersion("0.3.0");
        var started = await Fleet.AkdctlAsync(App.Dir, DeployTimeout, "deploy", "-f", manifest, "--detach", "--output", "json");
        Output.WriteLine(started.ToString());
        CliAssert.Succeeded(started);
        string? gate = null;
        await RollingDeployTests.WaitUntilAsync(
            () => (gate = Directory.EnumerateFiles(Path.Combine(Host.DeployPath("counter"), "releases"), "akd_gate.waiting", SearchOption.AllDirectories).FirstOrDefault()) is not null,
            TimeSpan.FromMinutes(3));

        // Act: kill -9 the agent while release_handler waits in code_change/3, open the gate, start the agent again.
        await Fleet.RestartAgentAsync(Host.Name, CancellationToken.None, whileDown: () => File.WriteAllText(Path.ChangeExtension(gate!, ".open"), ""));
        var id = CliJson.DeploymentId(started);
        var follow = await Fleet.AkdctlAsync(Fleet.Root, DeployTimeout, "logs", id, "-f");
        Output.WriteLine(follow.ToString());
        var releases = await Fleet.AkdctlAsync(Fleet.Root, DeployTimeout, "releases", "counter", "--output", "json");
        Output.WriteLine(releases.ToString());

        // Assert: the restarted agent finished the upgrade from its journal; current, revisions.log, akdctl releases and the VM agree.
        Assert.Equal("succeeded", (await CliJson.StatusAsync(Fleet, id)).Str("state"));
        Assert.Contains("the agent restarted during the hot upgrade 0.1.0 -> 0.3.0", follow.StdOut);
        var deployPath = Host.DeployPath("counter");
        var current = Path.GetFileName(new FileInfo(Path.Combine(deployPath, "current")).LinkTarget);
        Assert.StartsWith("0.3.0-", current);
        Assert.EndsWith($"\t{current}\t{id}\thot-upgraded 0.1.0 -> 0.3.0", File.ReadAllLines(Path.Combine(deployPath, "revisions.log"))[^1]);
        var kept = Assert.Single(CliJson.Lines(releases.StdOut)).GetProperty("releases");
        Assert.Equal(current, kept.Str("currentReleaseId"));
        Assert.True(kept.GetProperty("running").GetBoolean());
        Assert.Equal("counter 0.3.0", await Http.GetBodyAsync(Host.Port));
        Assert.Equal("5", await Http.GetBodyAsync(Host.Port, "/count"));
        Assert.Equal(pid, Tool.RecordedPid(Host.DeployPath("counter")));
    }

    [Fact(Timeout = 900_000)]
    public async Task Deploy_AutoWithAnAddedOtpApplication_RestartsAndSaysWhy()
    {
        // Arrange: 0.2.0 also needs :crypto, an OTP application the running VM does not have.
        var manifest = Manifest("auto");
        await DeployAsync(manifest, expectSuccess: true);
        var pid = Tool.RecordedPid(Host.DeployPath("counter"));
        NextVersion("0.2.0");
        var mixExs = Path.Combine(App.Dir, "mix.exs");
        File.WriteAllText(mixExs, File.ReadAllText(mixExs).Replace("[:logger, :inets, :sasl]", "[:logger, :inets, :sasl, :crypto]", StringComparison.Ordinal));

        // Act
        var deploy = await DeployAsync(manifest, expectSuccess: true);

        // Assert
        Assert.Contains("OTP application crypto added", deploy.StdOut);
        Assert.Contains("upgrade: restart (OTP application crypto added", deploy.StdOut);
        Assert.Equal("counter 0.2.0", await Http.GetBodyAsync(Host.Port));
        Assert.NotEqual(pid, Tool.RecordedPid(Host.DeployPath("counter")));
    }

    [Fact(Timeout = 900_000)]
    public async Task Deploy_HotWhoseCodeChangeCrashes_EndsOnTheOldVersionServingAndFailsWithTheReason()
    {
        // Arrange
        var manifest = Manifest("hot");
        await DeployAsync(manifest, expectSuccess: true);
        await Http.GetBodyAsync(Host.Port, "/incr");
        var pid = Tool.RecordedPid(Host.DeployPath("counter"));
        NextVersion("0.2.0-crash");

        // Act
        var deploy = await DeployAsync(manifest, expectSuccess: false);

        // Assert: release_handler restarted the VM in place on 0.1.0; the deployment failed saying why.
        Assert.Contains("hot upgrade 0.1.0 -> 0.2.0 failed", deploy.StdOut + deploy.StdErr);
        Assert.Contains("cannot migrate count 1", deploy.StdOut + deploy.StdErr);
        Assert.Equal("counter 0.1.0", await Http.GetBodyAsync(Host.Port));
        Assert.Equal(pid, Tool.RecordedPid(Host.DeployPath("counter")));
        Assert.StartsWith("0.1.0-", new FileInfo(Path.Combine(Host.DeployPath("counter"), "current")).LinkTarget!.Replace("releases/", "", StringComparison.Ordinal));
    }

    [Fact(Timeout = 900_000)]
    public async Task Deploy_LocalBuildHot_AkdctlMakesTheRelupAndTheSameVmRunsTheNewVersion()
    {
        // Arrange: 0.1.0 built by akdctl, deployed and counted to 3.
        var manifest = Manifest("hot", strategy: "local-build");
        await DeployAsync(manifest, expectSuccess: true);
        for (var i = 0; i < 3; i++)
        {
            await Http.GetBodyAsync(Host.Port, "/incr");
        }

        var pid = Tool.RecordedPid(Host.DeployPath("counter"));
        Assert.NotNull(pid);
        NextVersion("0.2.0");

        // Act
        var deploy = await DeployAsync(manifest, expectSuccess: true);

        // Assert: akdctl fetched 0.1.0 from the coordinator and made the relup; the VM was upgraded in place.
        Assert.Contains("fetching release 0.1.0, which the targets run, to make the relup from", deploy.StdOut + deploy.StdErr);
        Assert.Contains("relup 0.1.0 -> 0.2.0", deploy.StdOut + deploy.StdErr);
        Assert.Contains("hot-upgraded 0.1.0 -> 0.2.0", deploy.StdOut);
        Assert.Equal("counter 0.2.0", await Http.GetBodyAsync(Host.Port));
        Assert.Equal("3", await Http.GetBodyAsync(Host.Port, "/count"));
        Assert.Equal(pid, Tool.RecordedPid(Host.DeployPath("counter")));
    }

    private string Manifest(string upgrade, string strategy = "remote-build") => App.WriteManifest("akd.yaml", $$"""
        app: counter
        strategy: {{strategy}}
        source: { path: . }
        build: { on: { role: build }, tool: mix-release, mix_env: prod }
        deploy:
          to: { role: web }
          path: apps/counter
          env: { PORT: "4000" }
          upgrade: {{upgrade}}
        health: { http: "http://127.0.0.1:${PORT}/health", timeout: 20s, interval: 100ms }
        """);

    /// <summary>Copies examples/counter/versions/OVERLAY over the app and sets version 0.2.0.</summary>
    private void NextVersion(string overlay)
    {
        App.Overlay(Path.Combine(RepoRoot.CounterExample, "versions", overlay));
        App.SetVersion("0.2.0");
    }

    private async Task<CliResult> DeployAsync(string manifest, bool expectSuccess)
    {
        var result = await Fleet.AkdctlAsync(App.Dir, DeployTimeout, "deploy", "-f", manifest);
        Output.WriteLine(result.ToString());
        Assert.Equal(expectSuccess, result.ExitCode == 0);
        return result;
    }

    /// <summary>Runs <paramref name="act"/> while GET / goes to the host every 10 ms; returns the failures and the answers.</summary>
    private async Task<(T Result, List<string> Failures, int Answers)> WhilePollingAsync<T>(Func<Task<T>> act)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        var answers = 0;
        var poller = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{Host.Port}/"));
                    if (response.IsSuccessStatusCode)
                    {
                        answers++;
                    }
                    else
                    {
                        failures.Add($"HTTP {(int)response.StatusCode}");
                    }
                }
                catch (HttpRequestException ex)
                {
                    failures.Add(ex.Message);
                }

                await Task.Delay(10);
            }
        });
        var result = await act();
        await stop.CancelAsync();
        await poller;
        return (result, failures, answers);
    }
}
