namespace Akd.Core.Releases;

public sealed partial class ReleaseLayout
{
    /// <summary>Results in <c>revisions.log</c> after which a release was live and healthy.</summary>
    private static readonly HashSet<string> LiveResults = new(StringComparer.Ordinal) { "deployed", "rolled-back" };

    /// <summary>A hot upgrade or downgrade records <c>hot-upgraded 0.1.0 -&gt; 0.2.0</c>: live too.</summary>
    private static bool IsLive(string result) =>
        LiveResults.Contains(result) || result.StartsWith("hot-upgraded ", StringComparison.Ordinal) || result.StartsWith("hot-downgraded ", StringComparison.Ordinal);

    /// <summary>
    /// Where <c>akdctl rollback</c> goes without <c>--to</c>: the release that was live before the current
    /// one, read back from <c>revisions.log</c> (failed attempts and releases no longer kept are skipped),
    /// so a failed deploy that was rolled back is never a target. Without such an entry (a layout that
    /// predates the log, e.g. capistrano's), the newest kept release older than the current one that
    /// never only failed. Null when there is nothing to go back to.
    /// </summary>
    public string? RollbackTargetId()
    {
        var current = CurrentReleaseId();
        if (current is null)
        {
            return null;
        }

        var kept = SortedReleases();
        var revisions = ReadRevisions();
        var live = revisions.Where(r => IsLive(r.Result)).ToList();
        var last = live.FindLastIndex(r => r.ReleaseId == current);
        for (var i = last - 1; i >= 0; i--)
        {
            if (live[i].ReleaseId != current && kept.Contains(live[i].ReleaseId))
            {
                return live[i].ReleaseId;
            }
        }

        var onlyFailed = revisions.GroupBy(r => r.ReleaseId)
            .Where(g => g.All(r => !IsLive(r.Result)))
            .Select(g => g.Key)
            .ToHashSet(StringComparer.Ordinal);
        var index = kept.IndexOf(current);
        for (var i = index - 1; i >= 0; i--)
        {
            if (!onlyFailed.Contains(kept[i]))
            {
                return kept[i];
            }
        }

        return null;
    }
}
