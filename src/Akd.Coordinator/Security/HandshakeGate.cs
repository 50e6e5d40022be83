using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Akd.Coordinator.Security;

/// <summary>
/// At most <c>Coordinator:MaxConcurrentHandshakes</c> connections in their TLS handshake at a time. When a replica dies,
/// its thousands of agents dial a survivor at once: every handshake began at once and shared the cores, so each took
/// longer than Kestrel's 10 s handshake timeout or the agent's connect timeout, was abandoned half done, and its agent
/// redialled after a longer backoff (bench/, scenario 4b: 1,500 of them, twice over). Past the limit a connection waits,
/// accepted but unread, costing no CPU. The newest waiter goes first (LIFO): under overload the oldest ones are the
/// likeliest to have been given up by their agents, and a connection whose agent hung up meanwhile is closed unread.
/// A slot is given back with the connection's first request (the handshake is over) or when the connection ends.
/// </summary>
internal sealed class HandshakeGate(int limit)
{
    private readonly Lock _lock = new();
    private readonly Stack<TaskCompletionSource> _waiting = new();
    private readonly ConcurrentDictionary<string, Slot> _held = new(StringComparer.Ordinal);
    private int _free = limit;

    /// <summary>The connection middleware, ahead of TLS: waits for a slot, then lets the handshake and the rest run.</summary>
    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        try
        {
            await EnterAsync(connection.ConnectionClosed).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var slot = new Slot(this);
        try
        {
            if (HungUp(connection))
            {
                return;
            }

            _held[connection.ConnectionId] = slot;
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            _held.TryRemove(connection.ConnectionId, out _);
            slot.Release();
        }
    }

    /// <summary>A request arrived on <paramref name="connectionId"/>: its handshake is over, its slot goes to the next.</summary>
    public void Passed(string connectionId)
    {
        if (_held.TryRemove(connectionId, out var slot))
        {
            slot.Release();
        }
    }

    private Task EnterAsync(CancellationToken closed)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (_free > 0)
            {
                _free--;
                return Task.CompletedTask;
            }

            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Push(waiter);
        }

        return WaitAsync(waiter, closed);
    }

    private static async Task WaitAsync(TaskCompletionSource waiter, CancellationToken closed)
    {
        // A cancelled waiter stays on the stack; Exit skips it (its TrySetResult fails).
        using var cancel = closed.Register(() => waiter.TrySetCanceled(closed));
        await waiter.Task.ConfigureAwait(false);
    }

    private void Exit()
    {
        lock (_lock)
        {
            while (_waiting.TryPop(out var next))
            {
                if (next.TrySetResult())
                {
                    return;
                }
            }

            _free++;
        }
    }

    /// <summary>The client closed its side while it waited (its connect timeout passed): no handshake for it.</summary>
    private static bool HungUp(ConnectionContext connection)
    {
        if (!connection.Transport.Input.TryRead(out var read))
        {
            return false;
        }

        // Only looked at: the TLS layer reads the same bytes next.
        connection.Transport.Input.AdvanceTo(read.Buffer.Start);
        return read.IsCompleted || read.IsCanceled;
    }

    private sealed class Slot(HandshakeGate gate)
    {
        private int _released;

        public void Release()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Exit();
            }
        }
    }
}
