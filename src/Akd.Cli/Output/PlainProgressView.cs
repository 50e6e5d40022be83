using Akd.Contracts.V1;

namespace Akd.Cli.Output;

/// <summary>Line-by-line progress for CI logs and pipes: every state change, phase and output line, prefixed by host.</summary>
internal sealed class PlainProgressView : IProgressView
{
    private readonly DeploymentTracker _tracker = new();

    public void Note(string message) => Console.Out.WriteLine(message);

    public void Detached(DeploymentEvent first) => Console.Out.WriteLine($"deployment {first.DeploymentId} started; follow it with: akdctl logs {first.DeploymentId} -f");

    public async Task<DeploymentState> FollowAsync(IAsyncEnumerable<DeploymentEvent> events, CancellationToken ct)
    {
        await foreach (var e in events.WithCancellation(ct).ConfigureAwait(false))
        {
            _tracker.Apply(e);
            if (!IsEnd(e))
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
