using Akd.Coordinator.Agents;
using Akd.Coordinator.Storage;
using Akd.Core.Manifest;

namespace Akd.Coordinator.Deployments;

/// <summary>The agents a label selector names: those online now (here or on another live replica), and known ones that are offline.</summary>
public sealed record ResolvedTargets(IReadOnlyList<string> Online, IReadOnlyList<string> Offline);

public sealed class TargetResolver(AgentRegistry registry, AgentStore agents)
{
    public async Task<ResolvedTargets> ResolveAsync(LabelSelector selector, CancellationToken ct)
    {
        var online = (await registry.MatchingAnywhereAsync(selector, ct).ConfigureAwait(false)).Select(a => a.Name).ToList();
        var known = (await agents.ListAsync(ct).ConfigureAwait(false)).Where(a => selector.Matches(a.Labels)).Select(a => a.Name);
        return new ResolvedTargets(online, known.Except(online, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList());
    }
}
