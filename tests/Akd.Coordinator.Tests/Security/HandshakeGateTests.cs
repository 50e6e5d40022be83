using System.IO.Pipelines;
using Akd.Coordinator.Security;
using Microsoft.AspNetCore.Connections;

namespace Akd.Coordinator.Tests.Security;

/// <summary>
/// The gate ahead of TLS: past its limit connections wait, the newest goes first, a slot comes back with the
/// connection's first request, and a connection whose client hung up while waiting gets no handshake.
/// </summary>
public sealed class HandshakeGateTests
{
    [Fact(Timeout = 10_000)]
    public async Task OnConnectionAsync_MoreConnectionsThanTheLimit_NextStartsOnlyWhenAFirstRequestPassed()
    {
        // Arrange: a limit of one; the first connection is in its "handshake".
        var gate = new HandshakeGate(1);
        var first = new Connection("c1");
        var second = new Connection("c2");
        var running = gate.OnConnectionAsync(first.Context, first.Next);
        await first.Started.Task;

        // Act
        var waiting = gate.OnConnectionAsync(second.Context, second.Next);
        var startedEarly = second.Started.Task.IsCompleted;
        gate.Passed("c1");
        await second.Started.Task;

        // Assert: the second began only once the first's request had passed.
        Assert.False(startedEarly);
        first.End();
        second.End();
        await Task.WhenAll(running, waiting);
    }

    [Fact(Timeout = 10_000)]
    public async Task OnConnectionAsync_SeveralWaiting_NewestGoesFirst()
    {
        // Arrange: the one slot taken; c2 waits, then c3.
        var gate = new HandshakeGate(1);
        var (c1, c2, c3) = (new Connection("c1"), new Connection("c2"), new Connection("c3"));
        var runs = new List<Task> { gate.OnConnectionAsync(c1.Context, c1.Next) };
        await c1.Started.Task;
        runs.Add(gate.OnConnectionAsync(c2.Context, c2.Next));
        runs.Add(gate.OnConnectionAsync(c3.Context, c3.Next));

        // Act: c1 ends (its slot comes back).
        c1.End();
        await c3.Started.Task;

        // Assert: c3 got it, c2 still waits; c2 goes when c3's request passed.
        Assert.False(c2.Started.Task.IsCompleted);
        gate.Passed("c3");
        await c2.Started.Task;
        c2.End();
        c3.End();
        await Task.WhenAll(runs);
    }

    [Fact(Timeout = 10_000)]
    public async Task OnConnectionAsync_ClientHungUpWhileWaiting_ClosedWithoutHandshake()
    {
        // Arrange: c2 waits behind c1; its client sends a hello and hangs up (its connect timeout passed).
        var gate = new HandshakeGate(1);
        var (c1, c2) = (new Connection("c1"), new Connection("c2"));
        var running = gate.OnConnectionAsync(c1.Context, c1.Next);
        await c1.Started.Task;
        var waiting = gate.OnConnectionAsync(c2.Context, c2.Next);
        await c2.HangUpAsync();

        // Act
        gate.Passed("c1");
        await waiting;

        // Assert: c2 ended without its handshake running; the slot is free again for a new connection.
        Assert.False(c2.Started.Task.IsCompleted);
        var c3 = new Connection("c3");
        var third = gate.OnConnectionAsync(c3.Context, c3.Next);
        await c3.Started.Task;
        c1.End();
        c3.End();
        await Task.WhenAll(running, third);
    }

    /// <summary>A connection whose "rest of the pipeline" (TLS, HTTP) runs until <see cref="End"/>.</summary>
    private sealed class Connection
    {
        private readonly Pipe _input = new();
        private readonly TaskCompletionSource _end = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Connection(string id)
        {
            Context = new DefaultConnectionContext(id, new DuplexPipe(_input.Reader, new Pipe().Writer), new DuplexPipe(new Pipe().Reader, _input.Writer));
            Next = async _ =>
            {
                Started.TrySetResult();
                await _end.Task;
            };
        }

        public ConnectionContext Context { get; }

        public ConnectionDelegate Next { get; }

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void End() => _end.TrySetResult();

        public async Task HangUpAsync()
        {
            await _input.Writer.WriteAsync(new byte[] { 0x16, 0x03, 0x01 });
            await _input.Writer.CompleteAsync();
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
