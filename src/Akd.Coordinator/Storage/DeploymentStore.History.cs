namespace Akd.Coordinator.Storage;

/// <summary>Ageing out history, so events and deployments do not grow for as long as the coordinator lives.</summary>
public sealed partial class DeploymentStore
{
    /// <summary>
    /// Deletes deployments that ended before <paramref name="cutoff"/>, with their host steps and events,
    /// except the newest successful deploy of each app and environment: what <c>rollback</c>,
    /// <c>start</c> and <c>restart</c> reuse, and the answer to "what was deployed here last".
    /// </summary>
    /// <returns>How many deployments were deleted.</returns>
    public Task<int> DeleteHistoryBeforeAsync(DateTimeOffset cutoff, CancellationToken ct) => db.UseAsync(c =>
    {
        using var transaction = c.BeginTransaction();
        using (var select = c.Command(
            """
            CREATE TEMP TABLE IF NOT EXISTS expired(id TEXT PRIMARY KEY);
            DELETE FROM expired;
            INSERT INTO expired(id)
            SELECT id FROM deployments
            WHERE finished_at IS NOT NULL AND finished_at < @cutoff
              AND id NOT IN (
                SELECT id FROM (
                    SELECT id, ROW_NUMBER() OVER (PARTITION BY app, environment ORDER BY created_at DESC) AS newest
                    FROM deployments WHERE kind = @w_deploy AND state = @w_succeeded) AS ranked
                WHERE newest = 1);
            """,
            ("@cutoff", cutoff.ToDb()), StoredWords.Deploy, StoredWords.Succeeded))
        {
            select.Transaction = transaction;
            select.ExecuteNonQuery();
        }

        using var delete = c.Command(
            """
            DELETE FROM events WHERE deployment_id IN (SELECT id FROM expired);
            DELETE FROM host_steps WHERE deployment_id IN (SELECT id FROM expired);
            DELETE FROM artifact_deliveries WHERE deployment_id IN (SELECT id FROM expired);
            DELETE FROM deploy_locks WHERE deployment_id IN (SELECT id FROM expired);
            DELETE FROM deployments WHERE id IN (SELECT id FROM expired);
            """);
        delete.Transaction = transaction;
        delete.ExecuteNonQuery();
        using var count = c.Command("SELECT COUNT(*) FROM expired");
        count.Transaction = transaction;
        var expired = Convert.ToInt32(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        transaction.Commit();
        return expired;
    }, ct);
}
