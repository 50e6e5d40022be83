using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// <c>deploy.start_overlap: shared_port</c> end to end: examples/hello (REUSE_PORT=true: its listener binds with
/// SO_REUSEPORT) with a witness process (Fixtures/overlap_witness) that, when the old VM shuts down and before it stops
/// listening, asks the port whether another version answers, and says so in a file. The ordering is read from the app
/// itself, never from a clock.
/// </summary>
public sealed class StartOverlapDeployTests(ITestOutputHelper output) : OneHostFleetTests(output, fixture: "overlap_witness")
{
    [Fact(Timeout = 900_000)]
    public async Task Deploy_StartOverlapSharedPort_NewVmAnswersBeforeTheOldVmStopsListening()
    {
        // Arrange: 0.1.0 runs; its witness (the last child of hello's supervisor, so the first stopped, while the HTTP
        // server still listens) will write to shared/overlap.log when it stops.
        App.AddLastChild("{Hello.OverlapWitness, port: port}");
        var witness = Path.Combine(Host.DeployPath("hello"), "shared", "overlap.log");
        var manifest = App.WriteManifest("akd.yaml", $$"""
            app: hello
            strategy: remote-build
            source: { path: . }
            build: { on: { role: build }, tool: mix-release, mix_env: prod }
            deploy:
              to: { role: web }
              path: apps/hello
              env: { PORT: "4000", REUSE_PORT: "true", OVERLAP_LOG: "{{witness}}" }
              start_overlap: shared_port
            health: { http: "http://127.0.0.1:${PORT}/health", timeout: 60s, interval: 100ms }
            """);
        var first = await Fleet.AkdctlAsync(App.Dir, DeployTimeout, "deploy", "-f", manifest);
        Output.WriteLine(first.ToString());
        CliAssert.Succeeded(first);
        var oldPid = Tool.RecordedPid(Host.DeployPath("hello"));
        Assert.NotNull(oldPid);
        App.SetVersion("0.2.0");

        // Act
        var second = await Fleet.AkdctlAsync(App.Dir, DeployTimeout, "deploy", "-f", manifest);
        Output.WriteLine(second.ToString());

        // Assert: the new VM (the other node name) listened beside the old one and answered before the old one closed its port.
        CliAssert.Succeeded(second);
        Assert.Contains($"keeps serving on port {Host.Port} while the new VM boots as ", second.StdOut);
        Assert.Contains($"sending SIGTERM to pid {oldPid}", second.StdOut);
        Assert.Equal("0.1.0 still listening saw: hello 0.2.0\n", File.ReadAllText(witness));
        Assert.False(Directory.Exists($"/proc/{oldPid}"), $"the 0.1.0 VM (pid {oldPid}) should be gone");
        Assert.Equal("hello 0.2.0", await Http.GetBodyAsync(Host.Port));
    }
}
