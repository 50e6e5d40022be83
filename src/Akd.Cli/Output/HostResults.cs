using Akd.Contracts.V1;

namespace Akd.Cli.Output;

/// <summary>Reading a stored deployment's host rows: where each host ended.</summary>
internal static class HostResults
{
    /// <summary>What the deployment is; a deploy when the coordinator did not say.</summary>
    public static DeploymentKind Kind(Deployment d) => d.Kind == DeploymentKind.Unspecified ? DeploymentKind.Deploy : d.Kind;

    /// <summary>One row per target host: its last step to finish (a revert comes after the activate it undid).</summary>
    public static List<HostStatus> Final(Deployment d) => d.Hosts
        .Where(h => h.Step != StepKind.Build)
        .GroupBy(h => h.Host)
        .Select(g => g.OrderBy(h => h.FinishedAt?.ToDateTimeOffset() ?? DateTimeOffset.MaxValue).ThenBy(h => h.Step == StepKind.Rollback).Last())
        .OrderBy(h => h.Host, StringComparer.Ordinal)
        .ToList();

    public static bool IsOk(Deployment d, HostStatus h) =>
        h.State switch
        {
            StepState.Succeeded => true,
            StepState.RolledBack => Kind(d) == DeploymentKind.Rollback,
            _ => false,
        };
}
