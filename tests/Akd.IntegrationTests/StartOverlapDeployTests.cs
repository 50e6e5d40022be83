using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// <c>deploy.start_overlap</c> end to end: examples/hello with a witness process (Fixtures/overlap_witness) that
/// keeps the old VM from exiting until it has seen another version answer on the app's port, and says so in a
/// file. The ordering is read from the app itself, never from a clock.
/// </summary>
public sealed class StartOverlapDeployTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan DeployTimeout = TimeSpan.FromMinutes(5);
    private LocalFleet _fleet = null!;
    private HelloApp _app = null!;

    public async Task InitializeAsync()
    {
        _fleet = await LocalFleet.StartAsync(webAgents: 1, CancellationToken.None);
        _app = HelloApp.CopyTo(_fleet.Root);
        _app.Overlay(Path.Combine(RepoRoot.Path, "tests", "Akd.IntegrationTests", "Fixtures", "overlap_witness"));
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_fleet.Logs());
        await _fleet.DisposeAsync();
    }

    [Fact(Timeout = 900_000)]
    public async Task Deploy_StartOverlap_NewVmAnswersBeforeTheOldVmHasExited()
    {
        // Arrange: 0.1.0 runs; its witness will write to shared/overlap.log when it stops.
        var host = _fleet.Web[0];
        var witness = Path.Combine(host.DeployPath("hello"), "shared", "overlap.log");
        var manifest = _app.WriteManifest("akd.yaml", $$"""
            app: hello
            strategy: remote-build
            source: { path: . }
            build: { on: { role: build }, tool: mix-release, mix_env: prod }
            deploy:
              to: { role: web }
              path: apps/hello
              env: { PORT: "4000", OVERLAP_LOG: "{{witness}}" }
              start_overlap: true
            health: { http: "http://127.0.0.1:${PORT}/health", timeout: 60s, interval: 100ms }
            """);
        var first = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest);
        output.WriteLine(first.ToString());
        Assert.Equal(0, first.ExitCode);
        var oldPid = Tool.RecordedPid(host.DeployPath("hello"));
        Assert.NotNull(oldPid);
        _app.SetVersion("0.2.0");

        // Act
        var second = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest);
        output.WriteLine(second.ToString());

        // Assert: the new VM (the other node name) started while the old one shut down, and answered before it exited.
        Assert.Equal(0, second.ExitCode);
        Assert.Contains($"the old VM (pid {oldPid}) no longer listens on port {host.Port}; starting the new one as ", second.StdOut);
        Assert.Contains("_b while it shuts down", second.StdOut);
        Assert.Equal("0.1.0 exited after seeing: hello 0.2.0\n", File.ReadAllText(witness));
        Assert.False(Directory.Exists($"/proc/{oldPid}"), $"the 0.1.0 VM (pid {oldPid}) should be gone");
        Assert.Equal("hello 0.2.0", await Http.GetBodyAsync(host.Port));
    }
}
