using System.Data.Common;
using System.Globalization;
using Akd.Contracts.V1;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Storage;

/// <summary>Who holds the deploy lock of one app in one environment.</summary>
public sealed record DeployLock(string App, string Environment, string DeploymentId, DeploymentKind Kind, string Actor, DateTimeOffset Since);

/// <summary>
/// One deployment at a time per app and environment, kept in the store so it outlives the process that
/// took it and holds across coordinators sharing one PostgreSQL. A lock whose deployment has finished is
/// stale and is taken over, and so is one whose deployment was never stored once it is older than
/// <see cref="CoordinatorOptions.DeployLockClaimGrace"/> (its taker died between taking it and storing the
/// deployment); finishing a deployment releases its lock in the same write (<see cref="DeploymentStore.SetStateAsync"/>).
/// </summary>
public sealed class DeployLockStore(Database db, TimeProvider clock, IOptions<CoordinatorOptions> options)
{
    /// <summary>Takes the lock for <paramref name="wanted"/>; returns null on success, or the current holder.</summary>
    /// <remarks>
    /// One transaction, and the taking is one <c>INSERT ... ON CONFLICT DO NOTHING</c>: coordinators sharing
    /// one PostgreSQL that race for the same app and environment get one winner, and the others its name.
    /// </remarks>
    public Task<DeployLock?> TryAcquireAsync(DeployLock wanted, CancellationToken ct) => db.UseAsync(c =>
    {
        using var transaction = c.BeginTransaction();
        using var stale = c.Command(
            """
            DELETE FROM deploy_locks WHERE app = @app AND environment = @env AND deployment_id <> @id
              AND (deployment_id IN (SELECT id FROM deployments WHERE finished_at IS NOT NULL)
                OR (deployment_id NOT IN (SELECT id FROM deployments) AND since < @claimed))
            """,
            ("@app", wanted.App), ("@env", wanted.Environment), ("@id", wanted.DeploymentId),
            ("@claimed", (clock.GetUtcNow() - options.Value.DeployLockClaimGrace).ToDb()));
        stale.Transaction = transaction;
        stale.ExecuteNonQuery();
        using var insert = c.Command(
            """
            INSERT INTO deploy_locks(app, environment, deployment_id, kind, actor, since) VALUES (@app, @env, @id, @kind, @actor, @since)
            ON CONFLICT (app, environment) DO NOTHING
            """,
            ("@app", wanted.App), ("@env", wanted.Environment), ("@id", wanted.DeploymentId), ("@kind", wanted.Kind.Text()),
            ("@actor", wanted.Actor), ("@since", wanted.Since.ToDb()));
        insert.Transaction = transaction;
        // The holder that made the insert conflict may release before it is read (another replica): then try again.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (insert.ExecuteNonQuery() == 1)
            {
                transaction.Commit();
                return null;
            }

            if (Read(c, transaction, wanted.App, wanted.Environment) is { } holder)
            {
                transaction.Commit();
                return holder.DeploymentId == wanted.DeploymentId ? null : holder;
            }
        }

        throw new InvalidOperationException($"the deploy lock of {wanted.App} ({wanted.Environment}) changed hands too often to be taken");
    }, ct);

    public Task<DeployLock?> GetAsync(string app, string environment, CancellationToken ct) =>
        db.UseAsync(c => Read(c, null, app, environment), ct);

    public Task ReleaseAsync(string deploymentId, CancellationToken ct) => db.UseAsync(c => Delete(c, deploymentId), ct);

    /// <summary>
    /// After a restart: drops every lock whose deployment has finished, or was never stored and is older than
    /// <see cref="CoordinatorOptions.DeployLockClaimGrace"/>. A younger unstored one may be another replica's,
    /// storing its deployment right now.
    /// </summary>
    public Task<int> ReleaseStaleAsync(CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            """
            DELETE FROM deploy_locks
            WHERE deployment_id IN (SELECT id FROM deployments WHERE finished_at IS NOT NULL)
               OR (deployment_id NOT IN (SELECT id FROM deployments) AND since < @claimed)
            """,
            ("@claimed", (clock.GetUtcNow() - options.Value.DeployLockClaimGrace).ToDb()));
        return command.ExecuteNonQuery();
    }, ct);

    private static DeployLock? Read(DbConnection c, DbTransaction? transaction, string app, string environment)
    {
        using var command = c.Command(
            "SELECT deployment_id, kind, actor, since FROM deploy_locks WHERE app = @app AND environment = @env",
            ("@app", app), ("@env", environment));
        command.Transaction = transaction;
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new DeployLock(app, environment, reader.GetString(0), Vocabulary.Parse<DeploymentKind>(reader.GetString(1)), reader.GetString(2),
                DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture))
            : null;
    }

    private static void Delete(DbConnection c, string deploymentId)
    {
        using var command = c.Command("DELETE FROM deploy_locks WHERE deployment_id = @id", ("@id", deploymentId));
        command.ExecuteNonQuery();
    }
}
