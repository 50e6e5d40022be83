using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// remote-build with <c>build.tool: distillery</c>, on examples/hello with the FAKE distillery task
/// (Fixtures/distillery_fake_app): the real build agent runs <c>mix distillery.release</c>, the web agent
/// runs the release through distillery's script (<c>bin/hello start|pid|stop</c>).
/// </summary>
public sealed class DistilleryDeployTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan DeployTimeout = TimeSpan.FromMinutes(5);
    private LocalFleet _fleet = null!;
    private HelloApp _app = null!;

    public async Task InitializeAsync()
    {
        _fleet = await LocalFleet.StartAsync(webAgents: 1, CancellationToken.None);
        _app = HelloApp.CopyTo(_fleet.Root);
        _app.Overlay(RepoPaths.Fixture("distillery_fake_app"));
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_fleet.Logs());
        await _fleet.DisposeAsync();
    }

    [Fact(Timeout = 600_000)]
    public async Task Deploy_CompleteThenIncompleteDistilleryTarball_BothReleasesServeThroughDistilleryScript()
    {
        // Arrange
        var host = _fleet.Web[0];

        // Act: distillery writes a complete tarball.
        var first = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", _app.Manifest);
        output.WriteLine(first.ToString());

        // Assert: its tarball was shipped as is and the release was started with distillery's command.
        Assert.Equal(0, first.ExitCode);
        Assert.Contains("mix distillery.release --env=prod", first.StdOut);
        Assert.Contains("using distillery's tarball releases/0.1.0/hello.tar.gz", first.StdOut);
        Assert.Contains("bin/hello start", first.StdOut);
        Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(host.Port));
        var firstPid = Tool.RecordedPid(host.DeployPath("hello"));
        Assert.NotNull(firstPid);

        // Arrange: the distillery 2.1 fault: a working release directory, an incomplete tarball.
        _app.SetVersion("0.2.0");
        File.WriteAllText(Path.Combine(_app.Dir, "rel", "fake_distillery_tarball"), "incomplete\n");

        // Act
        var second = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", _app.Manifest);
        output.WriteLine(second.ToString());

        // Assert: the step log says the directory was packed instead; 0.1.0 was stopped with bin/hello stop.
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("distillery's tarball releases/0.2.0/hello.tar.gz is unusable", second.StdOut);
        Assert.Contains("lacks bin/hello, releases/0.2.0", second.StdOut);
        Assert.Contains("packaging the assembled release directory", second.StdOut);
        Assert.Contains("bin/hello stop", second.StdOut);
        Assert.Equal("hello 0.2.0", await Http.GetBodyAsync(host.Port));
        Assert.False(Directory.Exists($"/proc/{firstPid}"), $"the 0.1.0 node (pid {firstPid}) should have been stopped");
    }
}
