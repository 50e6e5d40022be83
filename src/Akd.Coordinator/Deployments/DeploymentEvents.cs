using System.Collections.Concurrent;
using System.Threading.Channels;
using Akd.Contracts.V1;
using Akd.Coordinator.Storage;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// Persists every deployment event, then hands it to whoever is watching that deployment live. On a store that
/// replicas share, a watcher also reads the store every <see cref="CoordinatorOptions.EventPollInterval"/>:
/// the deployment may be driven by another replica, whose events reach this process only through the store.
/// </summary>
public sealed class DeploymentEvents(EventStore store, TimeProvider clock, IOptions<CoordinatorOptions>? options = null)
{
    private readonly TimeSpan? _poll = store.IsShared ? (options?.Value ?? new CoordinatorOptions()).EventPollInterval : null;

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Channel<DeploymentEvent>, byte>> _watchers = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _order = new();

    public static bool IsTerminal(DeploymentState state) => state is DeploymentState.Succeeded or DeploymentState.Failed or DeploymentState.Cancelled;

    public async Task PublishAsync(DeploymentEvent e, CancellationToken ct)
    {
        e.At ??= Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(clock.GetUtcNow());

        // Store and broadcast under one lock per deployment so watchers see events in seq order.
        var gate = _order.GetOrAdd(e.DeploymentId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await store.AppendAsync(e, ct).ConfigureAwait(false);
            if (_watchers.TryGetValue(e.DeploymentId, out var set))
            {
                foreach (var channel in set.Keys)
                {
                    channel.Writer.TryWrite(e);
                }
            }
        }
        finally
        {
            gate.Release();
        }

        if (e.Kind == EventKind.Deployment && IsTerminal(e.DeploymentState))
        {
            _order.TryRemove(e.DeploymentId, out _);
        }
    }

    /// <summary>Replays stored events after <paramref name="fromSeq"/>, then (when following) live ones until the deployment ends.</summary>
    public async IAsyncEnumerable<DeploymentEvent> WatchAsync(
        string deploymentId, long fromSeq, bool follow, bool alreadyFinished,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var channel = Channel.CreateUnbounded<DeploymentEvent>(new UnboundedChannelOptions { SingleReader = true });
        var set = _watchers.GetOrAdd(deploymentId, _ => new());
        set[channel] = 0;
        try
        {
            var last = fromSeq;
            foreach (var e in await store.ReadAsync(deploymentId, fromSeq, ct).ConfigureAwait(false))
            {
                last = e.Seq;
                yield return e;
                if (e.Kind == EventKind.Deployment && IsTerminal(e.DeploymentState))
                {
                    yield break;
                }
            }

            if (!follow || alreadyFinished)
            {
                yield break;
            }

            while (true)
            {
                var polled = await WaitAsync(channel, deploymentId, last, ct).ConfigureAwait(false);
                if (polled is null)
                {
                    yield break;
                }

                // The store's events first (another replica's, in seq order), then this process's own not yet among them.
                foreach (var e in polled.Concat(Drain(channel)))
                {
                    if (e.Seq <= last)
                    {
                        continue;
                    }

                    last = e.Seq;
                    yield return e;
                    if (e.Kind == EventKind.Deployment && IsTerminal(e.DeploymentState))
                    {
                        yield break;
                    }
                }
            }
        }
        finally
        {
            set.TryRemove(channel, out _);
        }
    }

    /// <summary>
    /// Waits for this process's next event, or (on a shared store) for the poll interval; returns the stored events
    /// after <paramref name="last"/> when polling (none otherwise), or null once the channel is closed.
    /// </summary>
    private async Task<List<DeploymentEvent>?> WaitAsync(Channel<DeploymentEvent> channel, string deploymentId, long last, CancellationToken ct)
    {
        if (_poll is not { } poll)
        {
            return await channel.Reader.WaitToReadAsync(ct).ConfigureAwait(false) ? [] : null;
        }

        using var interval = new CancellationTokenSource(poll, clock);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct, interval.Token);
        try
        {
            await channel.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The poll interval passed: look in the store.
        }

        return await store.ReadAsync(deploymentId, last, ct).ConfigureAwait(false);
    }

    private static IEnumerable<DeploymentEvent> Drain(Channel<DeploymentEvent> channel)
    {
        while (channel.Reader.TryRead(out var e))
        {
            yield return e;
        }
    }
}
