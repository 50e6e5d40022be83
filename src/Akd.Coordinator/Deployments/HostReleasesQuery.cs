using Akd.Contracts.V1;
using Akd.Coordinator.Agents;
using Akd.Core.Manifest;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Deployments;

/// <summary>Asks one target host what it keeps of an app (a query step: it changes nothing on the host).</summary>
public sealed class HostReleasesQuery(AgentRegistry registry, IOptions<CoordinatorOptions> options)
{
    public async Task<HostReleases> AskAsync(string host, AppManifest manifest, CancellationToken ct)
    {
        var command = StepCommands.ForTarget("", options.Value.QueryDeadline, manifest);
        command.Releases = new ReleasesQuery();
        var result = await registry.RunStepAsync(host, command, _ => { }, ct).ConfigureAwait(false);
        return result.Ok
            ? new HostReleases { Host = host, State = HostAnswer.Ok, Releases = result.Releases }
            : new HostReleases { Host = host, State = HostAnswer.Error, Error = result.Error };
    }

    /// <summary>Every host in parallel, answers in the order asked.</summary>
    public Task<HostReleases[]> AskAllAsync(IEnumerable<string> hosts, AppManifest manifest, CancellationToken ct) =>
        Task.WhenAll(hosts.Select(host => AskAsync(host, manifest, ct)));
}
