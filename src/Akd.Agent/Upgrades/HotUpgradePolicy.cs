using Akd.Core.Manifest;

namespace Akd.Agent.Upgrades;

/// <summary>What an activation may do hot, as the step (and the build before it) said.</summary>
/// <param name="Mode"><c>deploy.upgrade</c>.</param>
/// <param name="RelupFrom">The version the new release's relup upgrades from; null or empty when it has none.</param>
/// <param name="Blockers">Why the build found a hot upgrade impossible.</param>
internal sealed record HotUpgradePolicy(UpgradeMode Mode, string? RelupFrom, IReadOnlyList<string> Blockers)
{
    /// <summary><c>akdctl rollback</c>: back hot when the running VM has the target version installed, cold otherwise.</summary>
    public static HotUpgradePolicy Rollback { get; } = new(UpgradeMode.Auto, null, []) { IsRollback = true };

    public bool IsRollback { get; init; }
}
