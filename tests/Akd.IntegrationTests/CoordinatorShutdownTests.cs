using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>SIGTERM to a coordinator with agent streams open: a clean exit, not a wait on streams that never end.</summary>
public sealed class CoordinatorShutdownTests(ITestOutputHelper output) : IAsyncLifetime
{
    private LocalFleet _fleet = null!;

    public async Task InitializeAsync() => _fleet = await LocalFleet.StartAsync(webAgents: 2, CancellationToken.None);

    public async Task DisposeAsync()
    {
        output.WriteLine(_fleet.Logs());
        await _fleet.DisposeAsync();
    }

    [Fact(Timeout = 120_000)]
    public async Task Sigterm_WithAgentStreamsOpen_ExitsCleanlyBeforeTheHostsDefaultTimeoutAndAgentsReconnectAfterARestart()
    {
        // Arrange: three agents hold their streams open (WaitForAgentsAsync in StartAsync saw them online).
        var coordinator = _fleet.Coordinator.Process;

        // Act: the framework's own shutdown timeout is 30 s; agent streams would hold the stop that long.
        var exited = await coordinator.TerminateAsync(TimeSpan.FromSeconds(20));

        // Assert: it stopped by itself, cleanly, and the agents come back to its successor.
        Assert.True(exited, "the coordinator was still running 20 s after SIGTERM");
        Assert.Equal(0, coordinator.ExitCode);
        Assert.Contains("Application is shutting down", coordinator.Output);
        await _fleet.RestartCoordinatorAsync(CancellationToken.None);
        await _fleet.WaitForAgentsAsync(3, CancellationToken.None);
    }
}
