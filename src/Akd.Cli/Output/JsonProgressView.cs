using Akd.Contracts.V1;

namespace Akd.Cli.Output;

/// <summary><c>--output json</c>: every event as one JSON line on stdout; notes go to stderr.</summary>
internal sealed class JsonProgressView : IProgressView
{
    public void Note(string message) => Console.Error.WriteLine(message);

    public void Detached(DeploymentEvent first) => Json.WriteLine(first);

    public async Task<DeploymentState> FollowAsync(IAsyncEnumerable<DeploymentEvent> events, CancellationToken ct)
    {
        var state = DeploymentState.Unspecified;
        await foreach (var e in events.WithCancellation(ct).ConfigureAwait(false))
        {
            Json.WriteLine(e);
            if (e.Kind == EventKind.Deployment)
            {
                state = e.DeploymentState;
            }
        }

        return state;
    }
}
