using Akd.Coordinator.Storage;

namespace Akd.Coordinator.Agents.Routing;

/// <summary>
/// Which replica holds each agent's stream and which replicas are alive, as the store says. Callers asking while a read
/// is in flight share it (single flight); a finished read is never reused, so an answer is as fresh as a read of one's
/// own would be. A round of 10,000 routed steps costs a few reads of the agents table instead of one per agent, and
/// the results of those steps a few reads of the replicas table.
/// </summary>
internal sealed class ReplicaView
{
    private readonly SingleFlight<Dictionary<string, string>> _holders;
    private readonly SingleFlight<HashSet<string>> _live;

    public ReplicaView(AgentStore agents, ReplicaStore replicas, TimeProvider clock, TimeSpan replicaTimeout)
    {
        _holders = new SingleFlight<Dictionary<string, string>>(() => agents.ReplicasAsync(CancellationToken.None));
        _live = new SingleFlight<HashSet<string>>(async () =>
            (await replicas.ListLiveAsync(clock.GetUtcNow() - replicaTimeout, CancellationToken.None).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>The replicas heard of within the replica timeout.</summary>
    public Task<HashSet<string>> LiveAsync(CancellationToken ct) => _live.ReadAsync(ct);

    public async Task<bool> IsLiveAsync(string replica, CancellationToken ct) => (await LiveAsync(ct).ConfigureAwait(false)).Contains(replica);

    /// <summary>The live replica holding <paramref name="agent"/>'s stream, or null (offline, or its replica is dead).</summary>
    public async Task<string?> HolderAsync(string agent, CancellationToken ct)
    {
        var holders = _holders.ReadAsync(ct);
        var live = await LiveAsync(ct).ConfigureAwait(false);
        return (await holders.ConfigureAwait(false)).TryGetValue(agent, out var holder) && live.Contains(holder) ? holder : null;
    }

    /// <summary>One read at a time of <paramref name="read"/>, shared by every caller who asks while it runs.</summary>
    private sealed class SingleFlight<T>(Func<Task<T>> read)
    {
        private readonly object _gate = new();
        private Task<T>? _reading;

        public Task<T> ReadAsync(CancellationToken ct)
        {
            Task<T> reading;
            lock (_gate)
            {
                reading = _reading ??= ReadOnceAsync();
            }

            return reading.WaitAsync(ct);
        }

        private async Task<T> ReadOnceAsync()
        {
            try
            {
                // Leaves the lock before reading; the read takes no caller's token, since others share it.
                await Task.Yield();
                return await read().ConfigureAwait(false);
            }
            finally
            {
                lock (_gate)
                {
                    _reading = null;
                }
            }
        }
    }
}
