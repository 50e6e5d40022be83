using Akd.Contracts.V1;
using Akd.Coordinator.Errors;
using Akd.Coordinator.Storage;
using Akd.Core.Manifest;
using Akd.Manifest;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// Plans rollback, start, stop and restart of an app from the manifest it was last deployed with
/// (its targets, deploy path, rolling rule, health check), or refuses before anything runs.
/// </summary>
public sealed class OperationPlanner(DeploymentStore deployments, TargetResolver targets, HostReleasesQuery releases, TimeProvider clock)
{
    public async Task<OperationPlan> PlanAsync(DeploymentKind kind, string app, string environment, string actor, bool skipOffline, string rollbackTo, CancellationToken ct)
    {
        var (manifest, stored) = await LoadAsync(app, environment, ct).ConfigureAwait(false);
        var resolved = await targets.ResolveAsync(manifest.Deploy.To, ct).ConfigureAwait(false);
        if (resolved.Online.Count == 0)
        {
            throw new PreconditionFailedException($"no online agent matches deploy.to {manifest.Deploy.To}" +
                (resolved.Offline.Count == 0 ? "" : $" (offline: {string.Join(", ", resolved.Offline)})"));
        }

        if (resolved.Offline.Count > 0 && !skipOffline)
        {
            throw new PreconditionFailedException($"target agent(s) offline: {string.Join(", ", resolved.Offline)}; no host was touched (pass --skip-offline to {kind.Text()} the others)");
        }

        if (kind == DeploymentKind.Rollback && rollbackTo.Length > 0)
        {
            await EnsureKeptEverywhereAsync(rollbackTo, manifest, resolved.Online, ct).ConfigureAwait(false);
        }

        var now = clock.GetUtcNow();
        var record = new Deployment
        {
            Id = DeploymentIds.New(now),
            Kind = kind,
            App = manifest.App,
            Environment = environment,
            Strategy = stored.Strategy,
            State = DeploymentState.Pending,
            Actor = string.IsNullOrEmpty(actor) ? "unknown" : actor,
            CreatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(now),
            ManifestSha256 = stored.Sha256,
            RollbackTo = rollbackTo,
        };
        if (skipOffline)
        {
            record.SkippedOffline.AddRange(resolved.Offline);
        }

        return new OperationPlan(record, manifest, stored.Yaml, environment, resolved.Online);
    }

    /// <summary>
    /// A rollback to a named release starts only when every target keeps it: otherwise the hosts that keep it would go
    /// back and the rollout stop at the first that does not, leaving the fleet on two releases. Asked before anything runs.
    /// </summary>
    private async Task EnsureKeptEverywhereAsync(string release, AppManifest manifest, IReadOnlyList<string> hosts, CancellationToken ct)
    {
        var answers = await releases.AskAllAsync(hosts, manifest, ct).ConfigureAwait(false);
        var silent = answers.Where(a => a.State != HostAnswer.Ok).ToList();
        if (silent.Count > 0)
        {
            throw new PreconditionFailedException(
                $"cannot tell whether every target keeps release {release}: {string.Join("; ", silent.Select(a => $"{a.Host}: {a.Error}"))}; no host was touched");
        }

        var lacking = answers.Where(a => !a.Releases.Releases.Any(r => r.ReleaseId == release)).Select(a => a.Host).ToList();
        if (lacking.Count == 0)
        {
            return;
        }

        var keptEverywhere = answers
            .Select(a => a.Releases.Releases.Select(r => r.ReleaseId))
            .Aggregate((all, next) => all.Intersect(next, StringComparer.Ordinal))
            .ToList();
        throw new PreconditionFailedException(
            $"release {release} is not kept on {string.Join(", ", lacking)}; no host was touched (" +
            (keptEverywhere.Count == 0 ? "no release is kept on every target" : $"kept on every target: {string.Join(", ", keptEverywhere)}") +
            $"; see akdctl releases {manifest.App})");
    }

    /// <summary>The app's last deployed manifest, parsed; refused when the app was never deployed here.</summary>
    public async Task<(AppManifest Manifest, StoredManifest Stored)> LoadAsync(string app, string environment, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(app))
        {
            throw new InvalidRequestException("name the app, e.g. akdctl rollback hello");
        }

        var stored = await deployments.LatestManifestAsync(app, environment, ct).ConfigureAwait(false)
            ?? throw new NotFoundException($"{app}{(environment.Length == 0 ? "" : $" ({environment})")} was never deployed through this coordinator; deploy it first" +
                (environment.Length == 0 ? " (or pass --env)" : ""));
        try
        {
            return (ManifestLoader.Parse(stored.Yaml, "akd.yaml", environment.Length == 0 ? null : environment, app), stored);
        }
        catch (ManifestException ex)
        {
            throw new PreconditionFailedException($"the manifest of deployment {stored.DeploymentId} no longer loads: {ex.Message}");
        }
    }

}
