using Akd.Agent.Releases;
using Akd.Agent.Reporting;
using Akd.Agent.Sandbox;
using Akd.Agent.Tests.Releases;
using Akd.Agent.Upgrades;
using Akd.Core.Manifest;
using Akd.Core.Releases;

namespace Akd.Agent.Tests.Upgrades;

/// <summary>
/// What decides, before anything is touched, whether a host upgrades hot: a host whose apps run under the systemd
/// app runner restarts them, and says so; a VM started under the alternate node name (start overlap) still has the
/// app's env. No systemd and no VM are needed here: the running VM is stood in for by a live process (this test's own where nothing is stopped, else a sleep).
/// </summary>
public sealed class HotUpgradeRunnerTests : IDisposable
{
    private const string A = "0.1.0-20261101T000000Z";
    private const string B = "0.2.0-20261102T000000Z";

    private readonly ScratchApp _app = new("akd-hot-runner-");

    public void Dispose() => _app.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task ActivateAsync_HotUnderTheSystemdRunner_RefusesSayingTheSystemdRunnerRestarts()
    {
        // Arrange: 0.1.0 runs; the build made a relup from 0.1.0, so only the runner stands in the way.
        var (activator, layout) = Activator(UpgradeMode.Hot, reporter => new SystemdAppRunner(
            "counter", Path.Combine(_app.Root, "app"), dir => [Path.Combine(dir, "bin", "counter"), "start"], AppSandbox.AsAgent(""), reporter, new AgentOptions { StopGracePeriod = TimeSpan.FromSeconds(5) }, TimeProvider.System));
        new RunState(A, Environment.ProcessId, new Dictionary<string, string> { ["RELEASE_NODE"] = "counter_a" }).Write(layout.SharedDir);

        // Act
        var ex = await Assert.ThrowsAsync<StepFailedException>(() =>
            activator.ActivateAsync(B, new Dictionary<string, string> { ["RELEASE_NODE"] = "counter_a" }, "d-2", "deployed", CancellationToken.None));

        // Assert: nothing was stopped or switched.
        Assert.Equal(
            "deploy.upgrade is hot, but this host cannot be upgraded hot: the systemd app runner restarts the app's unit (hot upgrades need the detached runner: --app-runner detached)",
            ex.Message);
        Assert.Equal(A, RunState.Read(layout.SharedDir)!.ReleaseId);
        Assert.Null(layout.CurrentReleaseId());
    }

    [Fact(Timeout = 60_000)]
    public async Task ActivateAsync_AutoUnderTheSystemdRunner_SaysTheSystemdRunnerRestarts()
    {
        // Arrange
        var (activator, layout) = Activator(UpgradeMode.Auto, reporter => new SystemdAppRunner(
            "counter", Path.Combine(_app.Root, "app"), dir => [Path.Combine(dir, "bin", "counter"), "start"], AppSandbox.AsAgent(""), reporter, new AgentOptions { StopGracePeriod = TimeSpan.FromSeconds(5) }, TimeProvider.System));
        using var vm = System.Diagnostics.Process.Start("sleep", "300");
        new RunState(A, vm.Id, new Dictionary<string, string> { ["RELEASE_NODE"] = "counter_a" }).Write(layout.SharedDir);

        // Act: what the restart itself does without a systemd here is not this test's concern.
        await Record.ExceptionAsync(() =>
            activator.ActivateAsync(B, new Dictionary<string, string> { ["RELEASE_NODE"] = "counter_a" }, "d-2", "deployed", CancellationToken.None));

        // Assert
        vm.Kill();
        Assert.Contains(
            "upgrade: restart (the systemd app runner restarts the app's unit (hot upgrades need the detached runner: --app-runner detached))",
            _app.Logs());
    }

    [Fact(Timeout = 60_000)]
    public async Task ActivateAsync_HotAndTheVmRunsUnderTheAlternateNodeName_GoesOnToInstallTheNewVersion()
    {
        // Arrange: the VM was started by a start-overlap restart, as counter_a_b; the host's env names counter_a.
        var (activator, layout) = Activator(UpgradeMode.Hot, reporter => new MixReleaseRunner("counter", reporter, new AgentOptions { StopGracePeriod = TimeSpan.FromSeconds(5) }, TimeProvider.System));
        new RunState(A, Environment.ProcessId, new Dictionary<string, string> { ["RELEASE_NODE"] = "counter_a_b" }).Write(layout.SharedDir);
        Directory.CreateDirectory(layout.ReleaseDir(B));

        // Act
        var ex = await Assert.ThrowsAsync<HotUpgradeException>(() =>
            activator.ActivateAsync(B, new Dictionary<string, string> { ["RELEASE_NODE"] = "counter_a" }, "d-2", "deployed", CancellationToken.None));

        // Assert: not refused for a changed env; it got as far as installing 0.2.0 (this stand-in release has no relup).
        Assert.Contains("holds no releases/0.2.0/relup", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RunnerBlocker_ReleaseScriptRunners_AllowHotUpgrades()
    {
        // Arrange
        var reporter = TestMetrics.Reporter(_app.Outbox, "s1");

        // Act
        var mix = ReleaseActivator.RunnerBlocker(new MixReleaseRunner("counter", reporter, new AgentOptions { StopGracePeriod = TimeSpan.FromSeconds(5) }, TimeProvider.System));
        var distillery = ReleaseActivator.RunnerBlocker(new DistilleryRunner("counter", reporter, new AgentOptions { StopGracePeriod = TimeSpan.FromSeconds(5) }, TimeProvider.System));

        // Assert
        Assert.Null(mix);
        Assert.Null(distillery);
    }

    private (ReleaseActivator Activator, ReleaseLayout Layout) Activator(UpgradeMode mode, Func<StepReporter, IAppRunner> runner)
    {
        var manifest = ScratchApp.Manifest($$"""
            app: counter
            deploy:
              path: {{_app.Root}}/app
              upgrade: {{mode.ToString().ToLowerInvariant()}}
            health: { http: "http://127.0.0.1:4000/health", timeout: 5s }
            """);
        return (_app.Activator(manifest, runner, new HotUpgradePolicy(mode, "0.1.0", [])), _app.Layout);
    }
}
