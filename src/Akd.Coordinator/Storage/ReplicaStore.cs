namespace Akd.Coordinator.Storage;

/// <summary>
/// The coordinators sharing this database and when each was last heard of. A replica whose heartbeat is
/// older than <see cref="CoordinatorOptions.ReplicaTimeout"/> is dead: its agents count as offline and its
/// unfinished deployments may be taken by another.
/// </summary>
public sealed class ReplicaStore(Database db, TimeProvider clock)
{
    /// <summary>Records that <paramref name="id"/> is alive now (its first beat also records when it started).</summary>
    public Task BeatAsync(string id, CancellationToken ct) => db.UseAsync(c =>
    {
        var now = clock.GetUtcNow().ToDb();
        using var command = c.Command(
            """
            INSERT INTO replicas(id, started_at, heartbeat) VALUES (@id, @now, @now)
            ON CONFLICT(id) DO UPDATE SET heartbeat = @now
            """,
            ("@id", id), ("@now", now));
        command.ExecuteNonQuery();
    }, ct);

    /// <summary>A replica that stops cleanly says so: its agents and deployments need not wait for its heartbeat to age.</summary>
    public Task LeaveAsync(string id, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("DELETE FROM replicas WHERE id = @id", ("@id", id));
        command.ExecuteNonQuery();
    }, ct);

    /// <summary>The replicas heard of since <paramref name="liveSince"/>, by id.</summary>
    public Task<List<string>> ListLiveAsync(DateTimeOffset liveSince, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("SELECT id FROM replicas WHERE heartbeat >= @since ORDER BY id", ("@since", liveSince.ToDb()));
        return command.ReadStrings();
    }, ct);
}
