using Akd.Agent.Releases;
using Akd.Agent.Reporting;
using Akd.Core.Manifest;
using Akd.Core.Releases;

namespace Akd.Agent.Tests.Releases;

/// <summary>
/// Activation and its rollback with real processes: the app is a command (<c>deploy.run</c>) the agent
/// starts in a session of its own, and the health check is a command that passes while the release
/// directory holds a file named <c>healthy</c>.
/// </summary>
public sealed class ReleaseActivatorRollbackTests : IDisposable
{
    private const string A = "0.1.0-20261101T000000Z";
    private const string B = "0.2.0-20261102T000000Z";
    private readonly ScratchApp _app = new("akd-activate-");
    private readonly AppManifest _manifest;

    public ReleaseActivatorRollbackTests()
    {
        _manifest = ScratchApp.Manifest($"""
            app: hello
            deploy:
              path: {_app.Root}/app
              run: ["sleep", "300"]
            health:
              command: ["test", "-f", "healthy"]
              timeout: 2s
              interval: 100ms
            """);
    }

    public void Dispose() => _app.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task ActivateAsync_NewReleaseUnhealthyAndThePreviousOneToo_RecordsRolledBackUnhealthyAndSaysSo()
    {
        // Arrange: A went live healthy; since then something broke it (its health file is gone).
        Release(A, healthy: true);
        await _app.Activator(_manifest).ActivateAsync(A, Env, "d-1", "deployed", CancellationToken.None);
        File.Delete(Path.Combine(_app.Layout.ReleaseDir(A), "healthy"));
        Release(B, healthy: false);

        // Act
        var failure = await Assert.ThrowsAsync<ActivationFailedException>(() => _app.Activator(_manifest).ActivateAsync(B, Env, "d-2", "deployed", CancellationToken.None));

        // Assert: the host is back on A and runs it, but nobody is told A is fine.
        Assert.Equal(A, _app.Layout.CurrentReleaseId());
        Assert.Equal(
            [(A, "deployed"), (B, "failed"), (A, "rolled-back-unhealthy")],
            _app.Layout.ReadRevisions().Select(r => (r.ReleaseId, r.Result)));
        Assert.True(failure.Output.RolledBack);
        Assert.Contains($"health check of {B} failed", failure.Message);
        Assert.Contains($"rolled back to {A}, but it is not healthy either", failure.Message);
        Assert.True(RunState.Read(_app.Layout.SharedDir) is { Pid: { } pid } state && state.ReleaseId == A && ProcessSignals.IsAlive(pid));
    }

    [Fact(Timeout = 60_000)]
    public async Task ActivateAsync_NewReleaseUnhealthyAndThePreviousOneHealthy_RecordsRolledBack()
    {
        // Arrange
        Release(A, healthy: true);
        await _app.Activator(_manifest).ActivateAsync(A, Env, "d-1", "deployed", CancellationToken.None);
        Release(B, healthy: false);

        // Act
        var failure = await Assert.ThrowsAsync<ActivationFailedException>(() => _app.Activator(_manifest).ActivateAsync(B, Env, "d-2", "deployed", CancellationToken.None));

        // Assert
        Assert.Equal([(A, "deployed"), (B, "failed"), (A, "rolled-back")], _app.Layout.ReadRevisions().Select(r => (r.ReleaseId, r.Result)));
        Assert.EndsWith($"; rolled back to {A}", failure.Message);
    }

    [Fact(Timeout = 60_000)]
    public async Task ActivateAsync_StepCancelledWhileTheNewReleaseIsChecked_StillPutsThePreviousReleaseBack()
    {
        // Arrange: A is live; B never becomes healthy, and the step is cancelled (or passes its deadline) during B's check.
        Release(A, healthy: true);
        await _app.Activator(_manifest).ActivateAsync(A, Env, "d-1", "deployed", CancellationToken.None);
        Release(B, healthy: false);
        using var cancel = new CancellationTokenSource();
        var activation = _app.Activator(_manifest).ActivateAsync(B, Env, "d-2", "deployed", cancel.Token);
        while (_app.Layout.CurrentReleaseId() != B)
        {
            await Task.Delay(20);
        }

        // Act: the rollback runs on its own budget, not on the cancelled step's token.
        await cancel.CancelAsync();
        var failure = await Assert.ThrowsAsync<ActivationFailedException>(() => activation);

        // Assert
        Assert.Equal(A, _app.Layout.CurrentReleaseId());
        Assert.Equal([(A, "deployed"), (B, "failed"), (A, "rolled-back")], _app.Layout.ReadRevisions().Select(r => (r.ReleaseId, r.Result)));
        Assert.Contains("the step was cancelled or passed its deadline", failure.Message);
        Assert.True(RunState.Read(_app.Layout.SharedDir) is { Pid: { } pid } state && state.ReleaseId == A && ProcessSignals.IsAlive(pid));
    }

    [Fact(Timeout = 60_000)]
    public async Task ActivateAsync_SevenHealthyDeploys_PrunesToKeepReleasesAndKeepsWhereARollbackGoes()
    {
        // Arrange: more deploys than deploy.keep_releases (5), as a fleet makes in a few weeks.
        var ids = Enumerable.Range(1, 7).Select(i => $"0.{i}.0-2026110{i}T000000Z").ToList();

        // Act
        foreach (var (id, n) in ids.Select((id, n) => (id, n)))
        {
            Release(id, healthy: true);
            await _app.Activator(_manifest).ActivateAsync(id, Env, $"d-{n}", "deployed", CancellationToken.None);
        }

        // Assert: the five newest are on disk, current is the last and a rollback goes to the one before.
        Assert.Equal(ids[2..], _app.Layout.ListReleases());
        Assert.Equal(ids[6], _app.Layout.CurrentReleaseId());
        Assert.Equal(ids[5], _app.Layout.RollbackTargetId());
        Assert.Equal(ids.Select(id => (id, "deployed")), _app.Layout.ReadRevisions().Select(r => (r.ReleaseId, r.Result)));
    }

    private static Dictionary<string, string> Env => new() { ["PORT"] = "4000" };

    private void Release(string id, bool healthy)
    {
        var dir = Directory.CreateDirectory(_app.Layout.ReleaseDir(id)).FullName;
        if (healthy)
        {
            File.WriteAllText(Path.Combine(dir, "healthy"), "");
        }
    }
}
