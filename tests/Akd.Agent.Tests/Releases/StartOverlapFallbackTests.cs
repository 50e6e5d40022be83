using Akd.Agent.Releases;
using Akd.Core.Manifest;
using Akd.Core.Releases;

namespace Akd.Agent.Tests.Releases;

/// <summary>
/// <c>deploy.start_overlap</c> where it cannot apply: the old process is stopped first, as without it, and the step
/// log says why. The app is a real command (<c>sleep</c>) in a session of its own; its health check a command.
/// </summary>
public sealed class StartOverlapFallbackTests : IDisposable
{
    private const string A = "0.1.0-20261101T000000Z";
    private const string B = "0.2.0-20261102T000000Z";
    private readonly ScratchApp _app = new("akd-overlap-fallback-");

    public void Dispose() => _app.Dispose();

    [Theory(Timeout = 60_000)]
    [InlineData("true", "start overlap")]
    [InlineData("shared_port", "start overlap (shared_port)")]
    public async Task ActivateAsync_StartOverlapForACommandApp_StopsTheOldProcessFirstAndSaysWhy(string overlap, string says)
    {
        // Arrange
        var manifest = ScratchApp.Manifest($"""
            app: hello
            deploy:
              path: {_app.Root}/app
              run: ["sleep", "300"]
              start_overlap: {overlap}
            health:
              command: ["true"]
              timeout: 5s
              interval: 100ms
            """);
        Directory.CreateDirectory(_app.Layout.ReleaseDir(A));
        Directory.CreateDirectory(_app.Layout.ReleaseDir(B));
        await _app.Activator(manifest).ActivateAsync(A, Env, "d-1", "deployed", CancellationToken.None);
        var old = RunState.Read(_app.Layout.SharedDir)!.Pid!.Value;
        _app.Logs();

        // Act
        await _app.Activator(manifest).ActivateAsync(B, Env, "d-2", "deployed", CancellationToken.None);

        // Assert: no alternate node name either; the old process was gone before the new one started.
        var logs = _app.Logs();
        Assert.Contains($"{says}: no (the app runs as a command (deploy.run or the source strategy), not through its release script); the old VM is stopped first", logs);
        Assert.Equal(Env["RELEASE_NODE"], RunState.Read(_app.Layout.SharedDir)!.Env["RELEASE_NODE"]);
        Assert.False(ProcessSignals.IsAlive(old));
        var stopped = logs.FindIndex(l => l.StartsWith($"stopping release {A}", StringComparison.Ordinal));
        Assert.InRange(stopped, 0, logs.FindIndex(l => l.StartsWith("started as pid", StringComparison.Ordinal)));
    }

    private static Dictionary<string, string> Env => new() { ["RELEASE_NODE"] = "hello_fallback" };
}
