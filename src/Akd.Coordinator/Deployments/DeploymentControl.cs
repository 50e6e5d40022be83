namespace Akd.Coordinator.Deployments;

/// <summary>
/// The handle on one running deployment. A cancel does not interrupt the steps in flight: the
/// runner looks at <see cref="CancelRequested"/> between batches (and may stop a build, which
/// touches no host), so no host is left half-switched.
/// </summary>
public sealed class DeploymentControl
{
    // Never disposed: it has no timer, and a late cancel request must not hit a disposed source.
    private readonly CancellationTokenSource _cancel = new();
    private string? _cancelledBy;

    public CancellationToken CancelRequested => _cancel.Token;

    public bool IsCancelRequested => _cancel.IsCancellationRequested;

    public string CancelledBy => _cancelledBy ?? "";

    /// <summary>True for the first request; later ones change nothing.</summary>
    public bool RequestCancel(string actor)
    {
        if (Interlocked.CompareExchange(ref _cancelledBy, actor, null) is not null)
        {
            return false;
        }

        _cancel.Cancel();
        return true;
    }
}
