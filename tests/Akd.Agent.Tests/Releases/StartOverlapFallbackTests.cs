using Akd.Agent.Releases;
using Akd.Agent.Reporting;
using Akd.Agent.Sandbox;
using Akd.Core.Manifest;
using Akd.Core.Releases;
using Akd.Manifest;

namespace Akd.Agent.Tests.Releases;

/// <summary>
/// <c>deploy.start_overlap</c> where it cannot apply: the old process is stopped first, as without it, and the step
/// log says why. The app is a real command (<c>sleep</c>) in a session of its own; its health check a command.
/// </summary>
public sealed class StartOverlapFallbackTests : IDisposable
{
    private const string A = "0.1.0-20261101T000000Z";
    private const string B = "0.2.0-20261102T000000Z";
    private readonly string _root = Directory.CreateTempSubdirectory("akd-overlap-fallback-").FullName;
    private readonly Outbox _outbox = new();
    private readonly HttpClient _http = new();
    private readonly ReleaseLayout _layout;
    private readonly AgentOptions _options;
    private AppManifest _manifest = null!;

    public StartOverlapFallbackTests()
    {
        _options = new AgentOptions { DataDir = _root, StopGracePeriod = TimeSpan.FromSeconds(5) };
        _layout = new ReleaseLayout(Path.Combine(_root, "app"));
        _layout.EnsureCreated();
    }

    public void Dispose()
    {
        if (RunState.Read(_layout.SharedDir) is { Pid: { } pid })
        {
            ProcessGroups.Send(pid, ProcessSignals.SigKill);
        }

        _http.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("true", "start overlap")]
    [InlineData("shared_port", "start overlap (shared_port)")]
    public async Task ActivateAsync_StartOverlapForACommandApp_StopsTheOldProcessFirstAndSaysWhy(string overlap, string says)
    {
        // Arrange
        _manifest = ManifestLoader.Parse($"""
            app: hello
            deploy:
              path: {_root}/app
              run: ["sleep", "300"]
              start_overlap: {overlap}
            health:
              command: ["true"]
              timeout: 5s
              interval: 100ms
            """, "akd.yaml", null, null);
        Directory.CreateDirectory(_layout.ReleaseDir(A));
        Directory.CreateDirectory(_layout.ReleaseDir(B));
        await Activator().ActivateAsync(A, Env, "d-1", "deployed", CancellationToken.None);
        var old = RunState.Read(_layout.SharedDir)!.Pid!.Value;
        Logs();

        // Act
        await Activator().ActivateAsync(B, Env, "d-2", "deployed", CancellationToken.None);

        // Assert: no alternate node name either; the old process was gone before the new one started.
        var logs = Logs();
        Assert.Contains($"{says}: no (the app runs as a command (deploy.run or the source strategy), not through its release script); the old VM is stopped first", logs);
        Assert.Equal(Env["RELEASE_NODE"], RunState.Read(_layout.SharedDir)!.Env["RELEASE_NODE"]);
        Assert.False(ProcessSignals.IsAlive(old));
        var stopped = logs.FindIndex(l => l.StartsWith($"stopping release {A}", StringComparison.Ordinal));
        Assert.InRange(stopped, 0, logs.FindIndex(l => l.StartsWith("started as pid", StringComparison.Ordinal)));
    }

    private static Dictionary<string, string> Env => new() { ["RELEASE_NODE"] = "hello_fallback" };

    private List<string> Logs()
    {
        var lines = new List<string>();
        while (_outbox.Reader.TryRead(out var message))
        {
            if (message.Log is { } log)
            {
                lines.Add(log.Line);
            }
        }

        return lines;
    }

    private ReleaseActivator Activator()
    {
        var reporter = TestMetrics.Reporter(_outbox, "s1");
        return new ReleaseActivator(_layout, _manifest, AppRunners.For(_manifest, reporter, _options, AppSandbox.AsAgent(_layout.SharedDir)), _http, TimeProvider.System, reporter);
    }
}
