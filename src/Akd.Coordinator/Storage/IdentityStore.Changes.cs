using System.Data.Common;

namespace Akd.Coordinator.Storage;

public sealed partial class IdentityStore
{
    /// <summary>How long a removal is remembered: far longer than any replica's sync lookback.</summary>
    private static readonly TimeSpan RemovalsKept = TimeSpan.FromDays(7);

    /// <summary>
    /// The agents enrolled, relabelled, revoked or removed since <paramref name="since"/> (by the changing replica's
    /// clock): each with its record now, or null when it was removed (and not enrolled again). What a replica's sync
    /// reads each heartbeat instead of every enrolled agent.
    /// </summary>
    public Task<Dictionary<string, AgentIdentityRecord?>> ChangedSinceAsync(DateTimeOffset since, CancellationToken ct) => db.UseAsync(c =>
    {
        var changed = new Dictionary<string, AgentIdentityRecord?>(StringComparer.Ordinal);
        using (var identities = c.Command("SELECT name, labels, enrolled_at, revoked_at FROM agent_identities WHERE changed_at >= @since", ("@since", since.ToDb())))
        using (var r = identities.ExecuteReader())
        {
            while (r.Read())
            {
                changed[r.GetString(0)] = new AgentIdentityRecord(r.GetString(0), Labels(r.GetString(1)), Time(r.GetString(2)), r.IsDBNull(3) ? null : Time(r.GetString(3)));
            }
        }

        using var removals = c.Command(
            "SELECT name FROM agent_removals WHERE removed_at >= @since AND name NOT IN (SELECT name FROM agent_identities)", ("@since", since.ToDb()));
        foreach (var name in removals.ReadStrings())
        {
            changed.TryAdd(name, null);
        }

        return changed;
    }, ct);

    private void RecordRemoval(DbConnection c, string name)
    {
        var now = clock.GetUtcNow();
        using var record = c.Command(
            "INSERT INTO agent_removals(name, removed_at) VALUES (@name, @now) ON CONFLICT(name) DO UPDATE SET removed_at = @now",
            ("@name", name), ("@now", now.ToDb()));
        record.ExecuteNonQuery();
        using var prune = c.Command("DELETE FROM agent_removals WHERE removed_at < @old", ("@old", (now - RemovalsKept).ToDb()));
        prune.ExecuteNonQuery();
    }
}
