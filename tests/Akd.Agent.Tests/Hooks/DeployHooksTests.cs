using Akd.Agent.Hooks;
using Akd.Agent.Reporting;
using Akd.Agent.Sandbox;
using Akd.Core.Manifest;

namespace Akd.Agent.Tests.Hooks;

/// <summary>The agent's hook pipeline with real processes: what <see cref="AgentOptions"/> sets reaches the hook runner.</summary>
public sealed class DeployHooksTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("akd-deploy-hooks-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact(Timeout = 30_000)]
    public async Task FailedAsync_StepCancelledAndRollbackHangs_RollbackCutAfterHookCleanupTimeout()
    {
        // Arrange: a hook whose main ran, and whose rollback would outlast the test (the default gives it 5 minutes).
        var journal = Path.Combine(_dir.FullName, "journal");
        var hook = new HookSpec
        {
            Name = "slow-rollback",
            At = HookStage.AfterActivate,
            Run = [["sh", "-c", "echo main >> \"$0\"", journal]],
            Rollback = [["sh", "-c", "echo rollback started >> \"$0\"; sleep 60; echo rollback ended >> \"$0\"", journal]],
        };
        var manifest = new AppManifest { App = "hello", Hooks = [hook] };
        var options = new AgentOptions { HookCleanupTimeout = TimeSpan.FromSeconds(2) };
        var hooks = DeployHooks.ForRelease(
            manifest, new Dictionary<string, string>(), options, TimeSpan.FromMinutes(2), TestMetrics.Reporter(new Outbox(), "s1"), AppSandbox.AsAgent(_dir.FullName));
        using var step = new CancellationTokenSource();
        await hooks.AfterActivateAsync(_dir.FullName, step.Token);
        await step.CancelAsync();

        // Act: the step was cancelled, so the rollback runs on the cleanup's own time.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => hooks.FailedAsync(step.Token));

        // Assert: it started and was cut, not left to finish.
        Assert.Equal(["main", "rollback started"], File.ReadAllLines(journal));
    }
}
