using System.Globalization;

namespace Akd.Coordinator.Storage;

/// <summary>Who holds the deploy lock of one app in one environment.</summary>
public sealed record DeployLock(string App, string Environment, string DeploymentId, string Kind, string Actor, DateTimeOffset Since);

/// <summary>
/// One deployment at a time per app and environment, kept in SQLite so it outlives the process that
/// took it. A lock whose deployment has finished (or was never stored) is stale and is taken over;
/// finishing a deployment releases its lock in the same write (<see cref="DeploymentStore.SetStateAsync"/>).
/// </summary>
public sealed class DeployLockStore(Database db)
{
    /// <summary>Takes the lock for <paramref name="wanted"/>; returns null on success, or the current holder.</summary>
    public Task<DeployLock?> TryAcquireAsync(DeployLock wanted, CancellationToken ct) => db.UseAsync(c =>
    {
        var holder = Read(c, wanted.App, wanted.Environment);
        if (holder is not null && holder.DeploymentId != wanted.DeploymentId && !IsLive(c, holder.DeploymentId))
        {
            Delete(c, holder.DeploymentId);
            holder = null;
        }

        if (holder is not null)
        {
            return holder.DeploymentId == wanted.DeploymentId ? null : holder;
        }

        using var insert = c.Command(
            "INSERT INTO deploy_locks(app, environment, deployment_id, kind, actor, since) VALUES ($app, $env, $id, $kind, $actor, $since)",
            ("$app", wanted.App), ("$env", wanted.Environment), ("$id", wanted.DeploymentId), ("$kind", wanted.Kind),
            ("$actor", wanted.Actor), ("$since", wanted.Since.ToDb()));
        insert.ExecuteNonQuery();
        return (DeployLock?)null;
    }, ct);

    public Task<DeployLock?> GetAsync(string app, string environment, CancellationToken ct) =>
        db.UseAsync(c => Read(c, app, environment), ct);

    public Task ReleaseAsync(string deploymentId, CancellationToken ct) => db.UseAsync(c => Delete(c, deploymentId), ct);

    /// <summary>After a restart nothing runs: drops every lock whose deployment has finished or does not exist.</summary>
    public Task<int> ReleaseStaleAsync(CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            """
            DELETE FROM deploy_locks WHERE deployment_id NOT IN (SELECT id FROM deployments WHERE finished_at IS NULL)
            """);
        return command.ExecuteNonQuery();
    }, ct);

    private static DeployLock? Read(Microsoft.Data.Sqlite.SqliteConnection c, string app, string environment)
    {
        using var command = c.Command(
            "SELECT deployment_id, kind, actor, since FROM deploy_locks WHERE app = $app AND environment = $env",
            ("$app", app), ("$env", environment));
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new DeployLock(app, environment, reader.GetString(0), reader.GetString(1), reader.GetString(2),
                DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture))
            : null;
    }

    private static bool IsLive(Microsoft.Data.Sqlite.SqliteConnection c, string deploymentId)
    {
        using var command = c.Command("SELECT 1 FROM deployments WHERE id = $id AND finished_at IS NULL", ("$id", deploymentId));
        return command.ExecuteScalar() is not null;
    }

    private static void Delete(Microsoft.Data.Sqlite.SqliteConnection c, string deploymentId)
    {
        using var command = c.Command("DELETE FROM deploy_locks WHERE deployment_id = $id", ("$id", deploymentId));
        command.ExecuteNonQuery();
    }
}
