using Akd.Coordinator.Agents;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Akd.Coordinator.Tests.Agents;

/// <summary>A stopping coordinator closes new connections before their TLS handshake (the agents its stop closed reconnect at once).</summary>
public sealed class AgentStreamsShutdownTests
{
    private readonly AgentRegistry _registry = new(
        new FakeTimeProvider(), Microsoft.Extensions.Options.Options.Create(new CoordinatorOptions()), NullLogger<AgentRegistry>.Instance);

    private int _passedOn;

    private ConnectionDelegate Gate() => AgentStreamsShutdown.RefuseWhileStopping(_ => { _passedOn++; return Task.CompletedTask; }, _registry);

    [Fact]
    public async Task Connection_WhileRunning_PassedOnAndLeftOpen()
    {
        // Arrange
        await using var connection = new DefaultConnectionContext("c1");

        // Act
        await Gate()(connection);

        // Assert
        Assert.Equal(1, _passedOn);
        Assert.False(connection.ConnectionClosed.IsCancellationRequested);
    }

    [Fact(Timeout = 10_000)]
    public async Task Connection_OnceTheStopBegan_AbortedWithoutReachingTheHandshake()
    {
        // Arrange
        await using var connection = new DefaultConnectionContext("c2");
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionClosed.Register(() => closed.TrySetResult());
        _registry.CloseAll();

        // Act
        await Gate()(connection);

        // Assert: nothing after the gate (TLS, HTTP/2, the call) ran, and the connection is closed.
        Assert.Equal(0, _passedOn);
        await closed.Task;
    }
}
