using Akd.Contracts.V1;

namespace Akd.Cli.Output;

/// <summary>Reading a stored deployment's host rows: where each host ended.</summary>
internal static class HostResults
{
    public static string Kind(Deployment d) => string.IsNullOrEmpty(d.Kind) ? DeploymentKind.Deploy.Text() : d.Kind;

    /// <summary>One row per target host: its last step to finish (a revert comes after the activate it undid).</summary>
    public static List<HostStatus> Final(Deployment d) => d.Hosts
        .Where(h => Vocabulary.Parse<StepKind>(h.Step) != StepKind.Build)
        .GroupBy(h => h.Host)
        .Select(g => g.OrderBy(h => h.FinishedAt?.ToDateTimeOffset() ?? DateTimeOffset.MaxValue).ThenBy(h => Vocabulary.Parse<StepKind>(h.Step) == StepKind.Rollback).Last())
        .OrderBy(h => h.Host, StringComparer.Ordinal)
        .ToList();

    public static bool IsOk(Deployment d, HostStatus h) =>
        Vocabulary.Parse<StepState>(h.State) switch
        {
            StepState.Succeeded => true,
            StepState.RolledBack => Vocabulary.Parse<DeploymentKind>(Kind(d)) == DeploymentKind.Rollback,
            _ => false,
        };
}
