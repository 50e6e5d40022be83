using Akd.Contracts.V1;

namespace Akd.Cli.Output;

/// <summary>Line-by-line progress for CI logs and pipes: every state change, phase and output line, prefixed by host.</summary>
/// <param name="printFrom">
/// When set, events before the first it accepts update the summary but are not printed (<c>akdctl cancel</c> follows a
/// deployment from its start, but prints from the cancel on).
/// </param>
internal sealed class PlainProgressView(Func<DeploymentEvent, bool>? printFrom = null) : IProgressView
{
    private readonly DeploymentTracker _tracker = new();
    private bool _printing = printFrom is null;

    public void Note(string message) => Console.Out.WriteLine(message);

    public void Detached(DeploymentEvent first) => Console.Out.WriteLine($"deployment {first.DeploymentId} started; follow it with: akdctl logs {first.DeploymentId} -f");

    public async Task<DeploymentState> FollowAsync(IAsyncEnumerable<DeploymentEvent> events, CancellationToken ct)
    {
        await foreach (var e in events.WithCancellation(ct).ConfigureAwait(false))
        {
            _tracker.Apply(e);
            _printing = _printing || printFrom!(e);
            if (_printing && !IsEnd(e))
            {
                Console.Out.WriteLine(EventText.Line(e));
            }
        }

        Summary.Write(_tracker);
        return _tracker.State;
    }

    /// <summary>The deployment's end: the summary's last line says it, once.</summary>
    private static bool IsEnd(DeploymentEvent e) =>
        e.Kind == EventKind.Deployment && e.DeploymentState is DeploymentState.Succeeded or DeploymentState.Failed or DeploymentState.Cancelled;
}
