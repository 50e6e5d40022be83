using System.Globalization;
using Akd.Agent.Releases;
using Akd.Agent.Reporting;
using Akd.Agent.Tests.Upgrades;
using Akd.Core.Manifest;
using Akd.Core.Releases;
using Akd.Manifest;
using Akd.Testing;
using Xunit.Abstractions;

namespace Akd.Agent.Tests.Releases;

/// <summary>
/// <c>deploy.start_overlap</c> with real releases of examples/counter: the old VM gets SIGTERM, the new one starts as
/// soon as the old one left the health check's port, under the other node name, and the old one is gone when the
/// activation ends.
/// </summary>
[Collection(CounterReleasesCollection.Name)]
public sealed class StartOverlapTests(CounterReleases releases, ITestOutputHelper output) : IAsyncLifetime
{
    private const string A = "0.1.0-20261101T000000Z";
    private const string B = "0.2.0-20261102T000000Z";
    private const string C = "0.1.0-20261103T000000Z";

    private readonly string _root = Directory.CreateTempSubdirectory("akd-overlap-").FullName;
    private readonly Outbox _outbox = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly int _port = Ports.Free();
    private readonly string _node = $"counter_ov_{Guid.NewGuid():N}"[..22];
    private ReleaseLayout _layout = null!;
    private AppManifest _manifest = null!;

    private Dictionary<string, string> Env => new() { ["RELEASE_NODE"] = _node, ["PORT"] = _port.ToString(CultureInfo.InvariantCulture) };

    public Task InitializeAsync()
    {
        _manifest = ManifestLoader.Parse($$"""
            app: counter
            deploy:
              path: {{_root}}/app
              start_overlap: true
            health: { http: "http://127.0.0.1:${PORT}/health", timeout: 30s, interval: 50ms }
            """, "akd.yaml", null, null);
        _layout = new ReleaseLayout(Path.Combine(_root, "app"));
        _layout.EnsureCreated();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        if (RunState.Read(_layout.SharedDir) is { Pid: { } pid })
        {
            ProcessSignals.Send(pid, ProcessSignals.SigKill);
        }

        _http.Dispose();
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact(Timeout = 600_000)]
    public async Task ActivateAsync_StartOverlap_NewVmStartsUnderTheOtherNodeNameAndTheOldOneIsGoneAtTheEnd()
    {
        // Arrange: 0.1.0 runs under the plain node name.
        CounterReleases.CopyTree(releases.V1, _layout.ReleaseDir(A), []);
        CounterReleases.CopyTree(releases.V2, _layout.ReleaseDir(B), []);
        CounterReleases.CopyTree(releases.V1, _layout.ReleaseDir(C), []);
        await Activator().ActivateAsync(A, Env, "d-1", "deployed", CancellationToken.None);
        var first = RunState.Read(_layout.SharedDir)!.Pid!.Value;
        Logs();

        // Act: two cold restarts with start overlap.
        await Activator().ActivateAsync(B, Env, "d-2", "deployed", CancellationToken.None);
        var second = RunState.Read(_layout.SharedDir)!;
        var secondLogs = Logs();
        var secondEnvFile = _layout.ReadEnvFile()!["RELEASE_NODE"];
        var secondAnswer = await _http.GetStringAsync(new Uri($"http://127.0.0.1:{_port}/"));
        await Activator().ActivateAsync(C, Env, "d-3", "deployed", CancellationToken.None);
        var third = RunState.Read(_layout.SharedDir)!;

        // Assert: the names alternate, each old VM was gone by the end of its successor's activation.
        Assert.Contains(secondLogs, l => l.StartsWith($"the old VM (pid {first})", StringComparison.Ordinal) && l.Contains($"starting the new one as {_node}_b", StringComparison.Ordinal));
        Assert.Equal((B, $"{_node}_b"), (second.ReleaseId, second.Env["RELEASE_NODE"]));
        Assert.Equal($"{_node}_b", secondEnvFile);
        Assert.Equal("counter 0.2.0", secondAnswer);
        Assert.NotEqual(first, second.Pid);
        Assert.False(ProcessSignals.IsAlive(first));
        Assert.Equal((C, _node), (third.ReleaseId, third.Env["RELEASE_NODE"]));
        Assert.Equal(_node, _layout.ReadEnvFile()!["RELEASE_NODE"]);
        Assert.False(ProcessSignals.IsAlive(second.Pid!.Value));
        Assert.Equal("counter 0.1.0", await _http.GetStringAsync(new Uri($"http://127.0.0.1:{_port}/")));
    }

    [Theory]
    [InlineData("hello_web1", "hello_web1_b")]
    [InlineData("hello_web1_b", "hello_web1")]
    public void AlternateNodeName_EitherOfThePair_IsTheOther(string name, string expected)
    {
        // Act
        var other = ReleaseActivator.AlternateNodeName(name);

        // Assert
        Assert.Equal(expected, other);
    }

    private List<string> Logs()
    {
        var lines = new List<string>();
        while (_outbox.Reader.TryRead(out var message))
        {
            if (message.Log is { } log)
            {
                output.WriteLine(log.Line);
                lines.Add(log.Line);
            }
        }

        return lines;
    }

    private ReleaseActivator Activator()
    {
        var reporter = TestMetrics.Reporter(_outbox, "s1");
        return new ReleaseActivator(_layout, _manifest, new MixReleaseRunner("counter", reporter, TimeSpan.FromSeconds(30)), _http, TimeProvider.System, reporter);
    }
}
