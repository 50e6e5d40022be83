using System.Globalization;
using Akd.Agent.Releases;
using Akd.Agent.Reporting;
using Akd.Agent.Tests.Upgrades;
using Akd.Core.Manifest;
using Akd.Testing;
using Xunit.Abstractions;

namespace Akd.Agent.Tests.Releases;

/// <summary>
/// <c>deploy.start_overlap</c> with real releases of examples/counter. <c>true</c>: the old VM gets SIGTERM, the new one
/// starts as soon as the old one left the health check's port, under the other node name, and the old one is gone when
/// the activation ends. <c>shared_port</c> (counter binds with SO_REUSEPORT when REUSE_PORT=true): the old VM gets
/// SIGTERM only once the new one listens beside it and passed its check; a new VM that fails leaves the old one serving.
/// </summary>
[Collection(CounterReleasesCollection.Name)]
public sealed class StartOverlapTests(CounterReleases releases, ITestOutputHelper output) : IAsyncLifetime
{
    private const string A = "0.1.0-20261101T000000Z";
    private const string B = "0.2.0-20261102T000000Z";
    private const string C = "0.1.0-20261103T000000Z";

    private readonly ScratchApp _app = new("akd-overlap-") { StopGrace = TimeSpan.FromSeconds(30), Output = output };
    private readonly int _port = Ports.Free();
    private readonly string _node = $"counter_ov_{Guid.NewGuid():N}"[..22];
    private AppManifest _manifest = null!;

    private Dictionary<string, string> Env => new() { ["RELEASE_NODE"] = _node, ["PORT"] = _port.ToString(CultureInfo.InvariantCulture) };

    private Dictionary<string, string> SharedEnv => new(Env) { ["REUSE_PORT"] = "true" };

    public Task InitializeAsync()
    {
        _manifest = Manifest("true", "http://127.0.0.1:${PORT}/health", timeout: "30s");
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    [Fact(Timeout = 600_000)]
    public async Task ActivateAsync_StartOverlap_NewVmStartsUnderTheOtherNodeNameAndTheOldOneIsGoneAtTheEnd()
    {
        // Arrange: 0.1.0 runs under the plain node name.
        CounterReleases.CopyTree(releases.V1, _app.Layout.ReleaseDir(A), []);
        CounterReleases.CopyTree(releases.V2, _app.Layout.ReleaseDir(B), []);
        CounterReleases.CopyTree(releases.V1, _app.Layout.ReleaseDir(C), []);
        await Activator().ActivateAsync(A, Env, "d-1", "deployed", CancellationToken.None);
        var first = RunState.Read(_app.Layout.SharedDir)!.Pid!.Value;
        Logs();

        // Act: two cold restarts with start overlap.
        await Activator().ActivateAsync(B, Env, "d-2", "deployed", CancellationToken.None);
        var second = RunState.Read(_app.Layout.SharedDir)!;
        var secondLogs = Logs();
        var secondEnvFile = _app.Layout.ReadEnvFile()!["RELEASE_NODE"];
        var secondAnswer = await _app.Http.GetStringAsync(new Uri($"http://127.0.0.1:{_port}/"));
        await Activator().ActivateAsync(C, Env, "d-3", "deployed", CancellationToken.None);
        var third = RunState.Read(_app.Layout.SharedDir)!;

        // Assert: the names alternate, each old VM was gone by the end of its successor's activation.
        Assert.Contains(secondLogs, l => l.StartsWith($"the old VM (pid {first})", StringComparison.Ordinal) && l.Contains($"starting the new one as {_node}_b", StringComparison.Ordinal));
        Assert.Equal((B, $"{_node}_b"), (second.ReleaseId, second.Env["RELEASE_NODE"]));
        Assert.Equal($"{_node}_b", secondEnvFile);
        Assert.Equal("counter 0.2.0", secondAnswer);
        Assert.NotEqual(first, second.Pid);
        Assert.False(ProcessSignals.IsAlive(first));
        Assert.Equal((C, _node), (third.ReleaseId, third.Env["RELEASE_NODE"]));
        Assert.Equal(_node, _app.Layout.ReadEnvFile()!["RELEASE_NODE"]);
        Assert.False(ProcessSignals.IsAlive(second.Pid!.Value));
        Assert.Equal("counter 0.1.0", await _app.Http.GetStringAsync(new Uri($"http://127.0.0.1:{_port}/")));
    }

    [Fact(Timeout = 600_000)]
    public async Task ActivateAsync_SharedPort_NewVmListensBesideTheOldOneBeforeTheOldOneGetsSigterm()
    {
        // Arrange: 0.1.0 runs, bound with SO_REUSEPORT.
        _manifest = Manifest("shared_port", "http://127.0.0.1:${PORT}/health", timeout: "30s");
        CounterReleases.CopyTree(releases.V1, _app.Layout.ReleaseDir(A), []);
        CounterReleases.CopyTree(releases.V2, _app.Layout.ReleaseDir(B), []);
        await Activator().ActivateAsync(A, SharedEnv, "d-1", "deployed", CancellationToken.None);
        var old = RunState.Read(_app.Layout.SharedDir)!.Pid!.Value;
        Logs();

        // Act
        await Activator().ActivateAsync(B, SharedEnv, "d-2", "deployed", CancellationToken.None);
        var logs = Logs();
        var state = RunState.Read(_app.Layout.SharedDir)!;

        // Assert: read from /proc by the agent just before the SIGTERM, both VMs listened on the port.
        var listened = logs.FindIndex(l => l.StartsWith($"shared port: port {_port} is listened on by pid ", StringComparison.Ordinal));
        var sigterm = logs.IndexOf($"sending SIGTERM to pid {old}");
        Assert.InRange(listened, 0, sigterm - 1);
        var listeners = logs[listened].Split(" by pid ")[1].Split(';')[0].Split(", ").Select(int.Parse).ToList();
        Assert.Contains(old, listeners);
        Assert.Contains(state.Pid!.Value, listeners);
        Assert.Equal((B, $"{_node}_b"), (state.ReleaseId, state.Env["RELEASE_NODE"]));
        Assert.False(ProcessSignals.IsAlive(old));
        Assert.Equal("counter 0.2.0", await _app.Http.GetStringAsync(new Uri($"http://127.0.0.1:{_port}/")));
    }

    [Theory(Timeout = 600_000)]
    [InlineData(true, "the body does not contain 'counter 0.1.0'")]
    [InlineData(false, "eaddrinuse")]
    public async Task ActivateAsync_SharedPortNewVmFails_TheOldVmServesThroughoutAndStaysCurrent(bool oldReusesPort, string why)
    {
        // Arrange: the check wants 0.1.0's answer, which only the old VM gives: a check the old VM passes for the new one
        // would let the failed release through. Without SO_REUSEPORT on the old VM's socket, the new VM cannot even bind.
        _manifest = Manifest("shared_port", "http://127.0.0.1:${PORT}/", timeout: "8s", expect: "counter 0.1.0");
        CounterReleases.CopyTree(releases.V1, _app.Layout.ReleaseDir(A), []);
        CounterReleases.CopyTree(releases.V2, _app.Layout.ReleaseDir(B), []);
        await Activator().ActivateAsync(A, oldReusesPort ? SharedEnv : Env, "d-1", "deployed", CancellationToken.None);
        var old = RunState.Read(_app.Layout.SharedDir)!.Pid!.Value;
        Logs();

        // Act
        var failed = await Assert.ThrowsAsync<ActivationFailedException>(() => Activator().ActivateAsync(B, SharedEnv, "d-2", "deployed", CancellationToken.None));
        var logs = Logs();

        // Assert: the old VM was never signalled, is current again and answers; the new one is gone.
        output.WriteLine(failed.Message);
        Assert.Contains(why, failed.Message);
        Assert.Contains($"kept {A}, which served throughout (pid {old})", failed.Message);
        Assert.DoesNotContain($"sending SIGTERM to pid {old}", logs);
        Assert.True(ProcessSignals.IsAlive(old));
        Assert.Equal((A, old), (RunState.Read(_app.Layout.SharedDir)!.ReleaseId, RunState.Read(_app.Layout.SharedDir)!.Pid));
        Assert.Equal(A, _app.Layout.CurrentReleaseId());
        Assert.Equal(_node, _app.Layout.ReadEnvFile()!["RELEASE_NODE"]);
        Assert.Equal(new[] { (B, "failed"), (A, "rolled-back") }, _app.Layout.ReadRevisions().TakeLast(2).Select(r => (r.ReleaseId, r.Result)));
        Assert.Equal("counter 0.1.0", await _app.Http.GetStringAsync(new Uri($"http://127.0.0.1:{_port}/")));
        foreach (var started in logs.Where(l => l.StartsWith($"release {B} runs as pid ", StringComparison.Ordinal)))
        {
            Assert.False(ProcessSignals.IsAlive(int.Parse(started.Split(" pid ")[1], CultureInfo.InvariantCulture)), started);
        }
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

    private List<string> Logs() => _app.Logs();

    private AppManifest Manifest(string overlap, string health, string timeout, string? expect = null) => ScratchApp.Manifest($$"""
        app: counter
        deploy:
          path: {{_app.Root}}/app
          start_overlap: {{overlap}}
        health: { http: "{{health}}", timeout: {{timeout}}, interval: 50ms{{(expect is null ? "" : $", expect: \"{expect}\"")}} }
        """);

    private ReleaseActivator Activator() => _app.MixReleaseActivator(_manifest);
}
