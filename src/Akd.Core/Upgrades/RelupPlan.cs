namespace Akd.Core.Upgrades;

/// <summary>What <see cref="RelupGenerator"/> found and wrote for one OLD → NEW pair of releases.</summary>
/// <param name="Appups">One per changed application of the project (OTP's own never change in a hot upgrade).</param>
/// <param name="Blockers">Why a hot upgrade cannot work; when any, no relup was written.</param>
/// <param name="RelupPath">The relup written into the new release, or null when blocked.</param>
public sealed record RelupPlan(IReadOnlyList<AppupInfo> Appups, IReadOnlyList<string> Blockers, string? RelupPath)
{
    public bool CanHotUpgrade => Blockers.Count == 0 && RelupPath is not null;
}

/// <param name="Source">generated, project (rel/appups/APP/VSN.appup) or release (the release shipped one).</param>
/// <param name="Instructions">The upgrade instructions of a generated appup, as Erlang terms.</param>
public sealed record AppupInfo(string App, string FromVsn, string ToVsn, string Source, IReadOnlyList<string> Instructions);
