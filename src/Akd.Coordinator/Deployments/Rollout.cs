using Akd.Contracts.V1;
using Akd.Core.Manifest;

namespace Akd.Coordinator.Deployments;

/// <summary>What one host's step came to.</summary>
public sealed record HostOutcome(string Host, bool Ok, StepResult Result);

/// <summary>How a rollout ended and where every host stands.</summary>
/// <param name="Done">Every host whose step ran, in the order the batches went.</param>
/// <param name="NotReached">Hosts never touched because the rollout stopped or was cancelled.</param>
/// <param name="InFlightAtCancel">The batch that was running when the cancel came (empty when it came between batches).</param>
/// <param name="Stopped">More hosts failed than <c>max_failures</c> allows.</param>
public sealed record RolloutOutcome(
    IReadOnlyList<HostOutcome> Done,
    IReadOnlyList<string> NotReached,
    IReadOnlyList<HostOutcome> InFlightAtCancel,
    bool Stopped,
    bool Cancelled)
{
    public IEnumerable<HostOutcome> Succeeded => Done.Where(d => d.Ok);

    public IEnumerable<HostOutcome> Failed => Done.Where(d => !d.Ok);
}

/// <summary>
/// The rolling rule shared by deploys and fleet commands: hosts in a batch run in parallel; the next
/// batch starts only when this one is done and failures stay within <c>max_failures</c>, after the
/// optional pause. A cancel lets the batch in flight finish and starts no other.
/// </summary>
public sealed class Rollout(RollingSettings rolling, TimeProvider clock)
{
    /// <summary>The targets cut into batches of <c>deploy.rolling.batch</c>, in target order.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Batches(IReadOnlyList<string> targets, RollingBatch batch) =>
        targets.Count == 0 ? [] : targets.Chunk(batch.SizeFor(targets.Count)).Select(b => (IReadOnlyList<string>)b).ToList();

    /// <param name="runHost">Runs the step on one host; it must not throw for a host failure, only report it.</param>
    /// <param name="onBatch">Called before each batch with its index (from 0), the batch count and its hosts.</param>
    /// <param name="cancelRequested">Signalled by a cancel: finish the batch in flight, start no other.</param>
    /// <param name="before">
    /// Hosts whose step ran before (a rollout resumed after a coordinator restart): they count against
    /// <c>max_failures</c> as if this were one rollout, so too many of them stop it before its first batch.
    /// </param>
    public async Task<RolloutOutcome> RunAsync(
        IReadOnlyList<string> targets,
        Func<string, CancellationToken, Task<HostOutcome>> runHost,
        Func<int, int, IReadOnlyList<string>, CancellationToken, Task> onBatch,
        CancellationToken cancelRequested,
        CancellationToken ct,
        IReadOnlyList<HostOutcome>? before = null)
    {
        var batches = Batches(targets, rolling.Batch);
        var done = new List<HostOutcome>(before ?? []);
        if (done.Count(d => !d.Ok) > rolling.MaxFailures)
        {
            return new RolloutOutcome(done, targets.ToList(), [], Stopped: true, Cancelled: false);
        }

        // The pause an uninterrupted rollout makes after the batch that ran before.
        if (done.Count > 0 && batches.Count > 0 && rolling.Pause > TimeSpan.Zero && !await PauseAsync(cancelRequested, ct).ConfigureAwait(false))
        {
            return new RolloutOutcome(done, targets.ToList(), [], Stopped: false, Cancelled: true);
        }

        for (var i = 0; i < batches.Count; i++)
        {
            if (cancelRequested.IsCancellationRequested)
            {
                return new RolloutOutcome(done, Rest(batches, i), [], Stopped: false, Cancelled: true);
            }

            await onBatch(i, batches.Count, batches[i], ct).ConfigureAwait(false);
            var results = await Task.WhenAll(batches[i].Select(host => runHost(host, ct))).ConfigureAwait(false);
            done.AddRange(results);

            if (done.Count(d => !d.Ok) > rolling.MaxFailures)
            {
                return new RolloutOutcome(done, Rest(batches, i + 1), [], Stopped: true, Cancelled: false);
            }

            if (cancelRequested.IsCancellationRequested)
            {
                return new RolloutOutcome(done, Rest(batches, i + 1), results, Stopped: false, Cancelled: true);
            }

            if (i < batches.Count - 1 && rolling.Pause > TimeSpan.Zero && !await PauseAsync(cancelRequested, ct).ConfigureAwait(false))
            {
                return new RolloutOutcome(done, Rest(batches, i + 1), [], Stopped: false, Cancelled: true);
            }
        }

        return new RolloutOutcome(done, [], [], Stopped: false, Cancelled: false);
    }

    /// <summary>False when a cancel cut the pause short.</summary>
    private async Task<bool> PauseAsync(CancellationToken cancelRequested, CancellationToken ct)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancelRequested, ct);
        try
        {
            await Task.Delay(rolling.Pause, clock, either.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (cancelRequested.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private static List<string> Rest(IReadOnlyList<IReadOnlyList<string>> batches, int from) => batches.Skip(from).SelectMany(b => b).ToList();
}
