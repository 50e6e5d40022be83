using Akd.Contracts.V1;
using Akd.Coordinator.Agents;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Deployments;

/// <summary><c>akdctl releases</c>: asks every target of the app, in parallel, what it keeps. Recorded nowhere: it changes nothing.</summary>
public sealed class ReleasesLookup(OperationPlanner planner, TargetResolver targets, AgentRegistry registry, IOptions<CoordinatorOptions> options)
{
    public async Task<ListReleasesResponse> RunAsync(string app, string environment, CancellationToken ct)
    {
        var (manifest, _) = await planner.LoadAsync(app, environment, ct).ConfigureAwait(false);
        var resolved = await targets.ResolveAsync(manifest.Deploy.To, ct).ConfigureAwait(false);
        var response = new ListReleasesResponse { App = manifest.App, Environment = environment };
        var answers = await Task.WhenAll(resolved.Online.Select(async host =>
        {
            var command = StepCommands.ForTarget("", options.Value.QueryDeadline, manifest);
            command.Releases = new ReleasesQuery();
            var result = await registry.RunStepAsync(host, command, _ => { }, ct).ConfigureAwait(false);
            return result.Ok
                ? new HostReleases { Host = host, State = HostAnswer.Ok, Releases = result.Releases }
                : new HostReleases { Host = host, State = HostAnswer.Error, Error = result.Error };
        })).ConfigureAwait(false);
        response.Hosts.AddRange(answers);
        response.Hosts.AddRange(resolved.Offline.Select(host => new HostReleases { Host = host, State = HostAnswer.Offline, Error = "the agent is offline" }));
        return response;
    }
}
