using System.Security.Cryptography;
using System.Text;
using Akd.Contracts.V1;
using Akd.Coordinator.Errors;
using Akd.Coordinator.Agents;
using Akd.Coordinator.Artifacts;
using Akd.Coordinator.Storage;
using Akd.Core.Manifest;
using Akd.Manifest;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// Turns a deploy request into a plan, or refuses it before anything runs: a bad manifest,
/// a missing source archive, no build agent, no target, or a target that is offline.
/// </summary>
public sealed class DeploymentPlanner(AgentRegistry registry, AgentStore agents, ArtifactStore artifacts, TimeProvider clock)
{
    public async Task<DeploymentPlan> PlanAsync(DeployRequest request, CancellationToken ct)
    {
        var manifest = ParseManifest(request.ManifestYaml, request.ManifestPath, request.Environment, request.DefaultApp);

        // A prebuilt release (akdctl deploy --local-build, or strategy: local-build) needs no build agent and no source.
        var prebuilt = request.Prebuilt;
        if (prebuilt is not null)
        {
            await CheckPrebuiltAsync(prebuilt, manifest, ct).ConfigureAwait(false);
        }
        else if (manifest.Strategy == DeployStrategy.LocalBuild)
        {
            throw new InvalidRequestException("strategy local-build: akdctl builds the release and sends it with the request, but this request carries none (use akdctl deploy)");
        }
        else
        {
            await CheckSourceAsync(request.Source, ct).ConfigureAwait(false);
        }

        var (buildAgent, online, offline) = await HostsAsync(manifest, prebuilt is not null, request.SkipOffline, ct).ConfigureAwait(false);

        var now = clock.GetUtcNow();
        var record = new Deployment
        {
            Id = DeploymentIds.New(now),
            Kind = DeploymentKind.Deploy,
            App = manifest.App,
            Environment = manifest.Environment ?? "",
            Strategy = prebuilt is not null ? "local-build" : manifest.Strategy == DeployStrategy.Source ? "source" : "remote-build",
            State = DeploymentState.Pending,
            Actor = string.IsNullOrEmpty(request.Actor) ? "unknown" : request.Actor,
            CreatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(now),
            ManifestSha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(request.ManifestYaml))),
            SourceSha256 = request.Source?.Archive?.Sha256 ?? "",
        };
        if (request.SkipOffline)
        {
            record.SkippedOffline.AddRange(offline);
        }

        return new DeploymentPlan(record, manifest, request.ManifestYaml, request.Environment, request.Source ?? new SourceSpec(), buildAgent, online)
        {
            Prebuilt = prebuilt,
            SourceVersion = manifest.Strategy == DeployStrategy.Source ? request.SourceVersion : "",
        };
    }

    /// <summary>
    /// Deploy's refusals that do not depend on the source or the release (<c>akdctl deploy</c> asks before it uploads or
    /// builds): the manifest, the build agent, the targets. Starts nothing.
    /// </summary>
    /// <param name="localBuild">akdctl will build the release itself: no build agent is needed.</param>
    public async Task<CheckDeployResponse> CheckAsync(DeployRequest request, bool localBuild, CancellationToken ct)
    {
        var manifest = ParseManifest(request.ManifestYaml, request.ManifestPath, request.Environment, request.DefaultApp);
        if (localBuild && manifest.Strategy == DeployStrategy.Source)
        {
            throw SourceTakesNoRelease();
        }

        var (buildAgent, online, _) = await HostsAsync(manifest, localBuild, request.SkipOffline, ct).ConfigureAwait(false);
        var response = new CheckDeployResponse { BuildAgent = buildAgent };
        response.Targets.AddRange(online);
        return response;
    }

    /// <summary>Who builds (empty: nobody needs to) and which targets are online and offline, or the refusal.</summary>
    private async Task<(string BuildAgent, List<string> Online, List<string> Offline)> HostsAsync(
        AppManifest manifest, bool prebuilt, bool skipOffline, CancellationToken ct)
    {
        // The source strategy builds on every target, and a prebuilt release is built already: there is no build agent to find.
        var buildAgent = manifest.Strategy == DeployStrategy.Source || prebuilt ? "" : (await BuildAgentAsync(manifest.Build.On, ct).ConfigureAwait(false)
            ?? throw new PreconditionFailedException($"no online agent matches build.on {manifest.Build.On}{await KnownAgentsAsync(ct)}"));

        var known = (await agents.ListAsync(ct).ConfigureAwait(false))
            .Where(a => manifest.Deploy.To.Matches(a.Labels)).Select(a => a.Name).ToList();
        var online = (await registry.MatchingAnywhereAsync(manifest.Deploy.To, ct).ConfigureAwait(false)).Select(a => a.Name).ToList();
        if (online.Count == 0)
        {
            throw new PreconditionFailedException($"no online agent matches deploy.to {manifest.Deploy.To}{await KnownAgentsAsync(ct)}");
        }

        var offline = known.Except(online).ToList();
        if (offline.Count > 0 && !skipOffline)
        {
            throw new PreconditionFailedException($"target agent(s) offline: {string.Join(", ", offline)}; no host was touched (pass --skip-offline to deploy to the others)");
        }

        return (buildAgent, online, offline);
    }

    private static InvalidRequestException SourceTakesNoRelease() =>
        new("strategy source deploys the source, not a release: it cannot take a release built by akdctl");

    /// <summary>The manifest a request carries, or INVALID_ARGUMENT with every error in it.</summary>
    public static AppManifest ParseManifest(string yaml, string manifestPath, string environment, string defaultApp)
    {
        try
        {
            var path = string.IsNullOrEmpty(manifestPath) ? "akd.yaml" : manifestPath;
            return ManifestLoader.Parse(yaml, path, NullIfEmpty(environment), NullIfEmpty(defaultApp));
        }
        catch (ManifestException ex)
        {
            throw new InvalidRequestException(ex.Message);
        }
    }

    private async Task CheckPrebuiltAsync(BuildOutput prebuilt, AppManifest manifest, CancellationToken ct)
    {
        if (manifest.Strategy == DeployStrategy.Source)
        {
            throw SourceTakesNoRelease();
        }

        if (prebuilt.Artifact is null || !ArtifactStore.IsValidDigest(prebuilt.Artifact.Sha256) || await artifacts.SizeOfAsync(prebuilt.Artifact.Sha256, ct).ConfigureAwait(false) is null)
        {
            throw new PreconditionFailedException($"the prebuilt release {prebuilt.Artifact?.Sha256} was not uploaded to this coordinator");
        }

        if (string.IsNullOrEmpty(prebuilt.Version))
        {
            throw new InvalidRequestException("the prebuilt release names no version");
        }

        if (prebuilt.App != manifest.App)
        {
            throw new InvalidRequestException($"the prebuilt release is of '{prebuilt.App}', but the manifest deploys '{manifest.App}'");
        }
    }

    private async Task CheckSourceAsync(SourceSpec? source, CancellationToken ct)
    {
        switch (source?.FromCase)
        {
            case SourceSpec.FromOneofCase.Archive:
                if (!ArtifactStore.IsValidDigest(source.Archive.Sha256) || await artifacts.SizeOfAsync(source.Archive.Sha256, ct).ConfigureAwait(false) is null)
                {
                    throw new PreconditionFailedException($"the source archive {source.Archive.Sha256} was not uploaded to this coordinator");
                }

                break;
            case SourceSpec.FromOneofCase.Git:
                if (string.IsNullOrWhiteSpace(source.Git.Url))
                {
                    throw new InvalidRequestException("source.git is empty");
                }

                break;
            default:
                throw new InvalidRequestException("the deploy request names no source (an uploaded archive or a git repository)");
        }
    }

    /// <summary>The least busy online build agent the selector names (one on another replica counts as idle here), or null.</summary>
    private async Task<string?> BuildAgentAsync(LabelSelector selector, CancellationToken ct) =>
        (await registry.MatchingAnywhereAsync(selector, ct).ConfigureAwait(false)).OrderBy(a => a.RunningSteps).Select(a => a.Name).FirstOrDefault();

    private async Task<string> KnownAgentsAsync(CancellationToken ct)
    {
        var all = await agents.ListAsync(ct).ConfigureAwait(false);
        return all.Count == 0
            ? " (no agent has ever connected to this coordinator)"
            : " (known agents: " + string.Join("; ", all.Select(a => $"{a.Name} [{string.Join(",", a.Labels.Select(l => $"{l.Key}={l.Value}"))}] {a.State.Text()}")) + ")";
    }

    private static string? NullIfEmpty(string value) => string.IsNullOrEmpty(value) ? null : value;

}
