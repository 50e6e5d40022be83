using Akd.Contracts.V1;

namespace Akd.Coordinator.Deployments;

/// <summary><c>akdctl releases</c>: asks every target of the app, in parallel, what it keeps. Recorded nowhere: it changes nothing.</summary>
public sealed class ReleasesLookup(OperationPlanner planner, TargetResolver targets, HostReleasesQuery query)
{
    public async Task<ListReleasesResponse> RunAsync(string app, string environment, CancellationToken ct)
    {
        var (manifest, _) = await planner.LoadAsync(app, environment, ct).ConfigureAwait(false);
        var resolved = await targets.ResolveAsync(manifest.Deploy.To, ct).ConfigureAwait(false);
        var response = new ListReleasesResponse { App = manifest.App, Environment = environment };
        response.Hosts.AddRange(await query.AskAllAsync(resolved.Online, manifest, ct).ConfigureAwait(false));
        response.Hosts.AddRange(resolved.Offline.Select(host => new HostReleases { Host = host, State = HostAnswer.Offline, Error = "the agent is offline" }));
        return response;
    }
}
