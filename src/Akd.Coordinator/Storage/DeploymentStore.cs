using Akd.Contracts.V1;
using Akd.Coordinator.Replicas;
using System.Data.Common;

namespace Akd.Coordinator.Storage;

/// <summary>
/// Deployments and their per-host steps: the persisted half of the deployment state machine. Each records the
/// replica that drives it (without a <paramref name="replica"/>, the one replica of an embedded store: "").
/// </summary>
public sealed partial class DeploymentStore(Database db, TimeProvider clock, ReplicaIdentity? replica = null)
{
    private readonly string _replica = replica?.Id ?? "";

    private const string Columns =
        "id, app, environment, strategy, state, actor, created_at, finished_at, manifest_sha256, source_sha256, artifact_sha256, version, release_id, error, " +
        "kind, skipped_offline, cancelled_by, rollback_to";

    public Task CreateAsync(Deployment d, string manifestYaml, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            """
            INSERT INTO deployments(id, app, environment, strategy, state, actor, created_at, manifest_sha256, manifest_yaml, source_sha256,
                kind, skipped_offline, rollback_to, replica)
            VALUES (@id, @app, @env, @strategy, @state, @actor, @created, @msha, @yaml, @ssha, @kind, @skipped, @rollbackTo, @replica)
            """,
            ("@id", d.Id), ("@app", d.App), ("@env", d.Environment), ("@strategy", d.Strategy), ("@state", d.State.Text()),
            ("@actor", d.Actor), ("@created", d.CreatedAt.ToDateTimeOffset().ToDb()), ("@msha", d.ManifestSha256),
            ("@yaml", manifestYaml), ("@ssha", d.SourceSha256), ("@kind", (d.Kind == DeploymentKind.Unspecified ? DeploymentKind.Deploy : d.Kind).Text()),
            ("@skipped", string.Join(",", d.SkippedOffline)), ("@rollbackTo", d.RollbackTo), ("@replica", _replica));
        command.ExecuteNonQuery();
    }, ct);

    /// <summary>
    /// Sets the state of a deployment that has not ended (an ended one keeps its final state: a late
    /// cancel request cannot overwrite it). Finishing also gives up the deploy lock, in the same write.
    /// </summary>
    /// <returns>False when the deployment had already ended (or does not exist).</returns>
    public Task<bool> SetStateAsync(string id, DeploymentState state, string? error, bool finished, CancellationToken ct) => db.UseAsync(c =>
    {
        using var transaction = c.BeginTransaction();
        using var command = c.Command(
            """
            UPDATE deployments SET state = @state, error = COALESCE(@error, error), finished_at = CASE WHEN @finished THEN @now ELSE finished_at END
            WHERE id = @id AND finished_at IS NULL
            """,
            ("@state", state.Text()), ("@error", error), ("@finished", finished), ("@now", clock.GetUtcNow().ToDb()), ("@id", id));
        command.Transaction = transaction;
        var changed = command.ExecuteNonQuery() > 0;
        if (finished)
        {
            using var unlock = c.Command("DELETE FROM deploy_locks WHERE deployment_id = @id", ("@id", id));
            unlock.Transaction = transaction;
            unlock.ExecuteNonQuery();
        }

        transaction.Commit();
        return changed;
    }, ct);

    public Task SetBuildAsync(string id, string artifactSha256, string version, string releaseId, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            "UPDATE deployments SET artifact_sha256 = @artifact, version = @version, release_id = @release WHERE id = @id",
            ("@artifact", artifactSha256), ("@version", version), ("@release", releaseId), ("@id", id));
        command.ExecuteNonQuery();
    }, ct);

    /// <summary>
    /// Records a host's step. A step ends once: a row corrected later (a late result for a host whose state was
    /// unknown) keeps the time it ended, so it does not pass the host's later deployments in history's order.
    /// </summary>
    /// <param name="stateUnknown">The step was decided without the host's answer: a result that comes later may still correct the row.</param>
    public Task SetHostStepAsync(string id, string host, StepKind step, StepState state, string releaseId, string message, CancellationToken ct, bool stateUnknown = false) =>
        db.UseAsync(c =>
        {
            var now = clock.GetUtcNow().ToDb();
            var terminal = state is StepState.Succeeded or StepState.Failed or StepState.RolledBack or StepState.Skipped;
            using var command = c.Command(
                """
                INSERT INTO host_steps(deployment_id, host, step, state, release_id, message, started_at, finished_at, state_unknown)
                VALUES (@id, @host, @step, @state, @release, @message, CASE WHEN @started THEN @now END, CASE WHEN @terminal THEN @now END, @unknown)
                ON CONFLICT(deployment_id, host, step) DO UPDATE SET state = @state, release_id = @release, message = @message, state_unknown = @unknown,
                    started_at = COALESCE(host_steps.started_at, CASE WHEN @started THEN @now END),
                    finished_at = CASE WHEN @terminal THEN COALESCE(host_steps.finished_at, @now) ELSE host_steps.finished_at END
                """,
                ("@id", id), ("@host", host), ("@step", step.Text()), ("@state", state.Text()), ("@release", releaseId),
                ("@message", message), ("@now", now), ("@started", state != StepState.Pending), ("@terminal", terminal), ("@unknown", stateUnknown ? 1 : 0));
            command.ExecuteNonQuery();
        }, ct);

    public Task<Deployment?> GetAsync(string id, CancellationToken ct) => db.UseAsync(c =>
    {
        Deployment deployment;
        using (var command = c.Command($"SELECT {Columns} FROM deployments WHERE id = @id", ("@id", id)))
        using (var reader = command.ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }

            deployment = ReadDeployment(reader);
        }

        // One open reader per connection (PostgreSQL): the hosts are read after the deployment's reader is closed.
        deployment.Hosts.AddRange(ReadHosts(c, id));
        return deployment;
    }, ct);

    public Task<List<Deployment>> ListAsync(string? app, int limit, CancellationToken ct) => db.UseAsync(c =>
    {
        var list = new List<Deployment>();
        using (var command = c.Command(
            $"SELECT {Columns} FROM deployments WHERE (@app IS NULL OR app = @app) ORDER BY created_at DESC LIMIT @limit",
            ("@app", string.IsNullOrEmpty(app) ? null : app), ("@limit", limit)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                list.Add(ReadDeployment(reader));
            }
        }

        foreach (var d in list)
        {
            d.Hosts.AddRange(ReadHosts(c, d.Id));
        }

        return list;
    }, ct);

    /// <summary>
    /// The unfinished deployments this replica drives after a restart: its own, and those of replicas not heard
    /// of since <paramref name="liveSince"/> (dead), which become its own in the same statement, so two replicas
    /// starting together never both take one. Those of live replicas are theirs.
    /// </summary>
    public Task<List<string>> ClaimUnfinishedAsync(DateTimeOffset liveSince, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            """
            UPDATE deployments SET replica = @replica
            WHERE finished_at IS NULL AND (replica = @replica OR replica NOT IN (SELECT id FROM replicas WHERE heartbeat >= @since))
            RETURNING id
            """,
            ("@replica", _replica), ("@since", liveSince.ToDb()));
        return command.ReadStrings();
    }, ct);

    /// <summary>
    /// The unfinished deployments of replicas not heard of since <paramref name="liveSince"/> (their driver died), made
    /// this replica's in one statement: of replicas looking at once, exactly one takes each.
    /// </summary>
    public Task<List<string>> ClaimOrphanedAsync(DateTimeOffset liveSince, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            """
            UPDATE deployments SET replica = @replica
            WHERE finished_at IS NULL AND replica <> @replica AND replica NOT IN (SELECT id FROM replicas WHERE heartbeat >= @since)
            RETURNING id
            """,
            ("@replica", _replica), ("@since", liveSince.ToDb()));
        return command.ReadStrings();
    }, ct);

    /// <summary>The replica driving deployment <paramref name="id"/> ("" on an embedded store), or null when there is no such deployment.</summary>
    public Task<string?> DriverOfAsync(string id, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("SELECT replica FROM deployments WHERE id = @id", ("@id", id));
        return command.ExecuteScalar() as string;
    }, ct);

    /// <summary>Marks a host step that never finished as failed.</summary>
    public Task FailUnfinishedStepsAsync(string id, string message, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            "UPDATE host_steps SET state = @failed, message = @message, finished_at = @now WHERE deployment_id = @id AND finished_at IS NULL",
            ("@failed", StepState.Failed.Text()), ("@message", message), ("@now", clock.GetUtcNow().ToDb()), ("@id", id));
        command.ExecuteNonQuery();
    }, ct);

    private static Deployment ReadDeployment(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        App = r.GetString(1),
        Environment = r.GetString(2),
        Strategy = r.GetString(3),
        State = Vocabulary.Parse<DeploymentState>(r.GetString(4)),
        Actor = r.GetString(5),
        CreatedAt = r.ReadTimestamp(6),
        FinishedAt = r.ReadTimestamp(7),
        ManifestSha256 = r.GetString(8),
        SourceSha256 = r.GetString(9),
        ArtifactSha256 = r.GetString(10),
        Version = r.GetString(11),
        ReleaseId = r.GetString(12),
        Error = r.GetString(13),
        Kind = Vocabulary.Parse<DeploymentKind>(r.GetString(14)),
        SkippedOffline = { r.GetString(15).Split(',', StringSplitOptions.RemoveEmptyEntries) },
        CancelledBy = r.GetString(16),
        RollbackTo = r.GetString(17),
    };

    private static List<HostStatus> ReadHosts(DbConnection c, string id)
    {
        using var command = c.Command(
            "SELECT host, step, state, release_id, message, started_at, finished_at, state_unknown FROM host_steps WHERE deployment_id = @id ORDER BY step, host",
            ("@id", id));
        using var reader = command.ExecuteReader();
        var hosts = new List<HostStatus>();
        while (reader.Read())
        {
            var host = new HostStatus
            {
                Host = reader.GetString(0),
                Step = Vocabulary.Parse<StepKind>(reader.GetString(1)),
                State = Vocabulary.Parse<StepState>(reader.GetString(2)),
                ReleaseId = reader.GetString(3),
                Message = reader.GetString(4),
                StartedAt = reader.ReadTimestamp(5),
                FinishedAt = reader.ReadTimestamp(6),
            };
            if (reader.GetInt32(7) != 0)
            {
                host.StateUnknown = true;
            }

            hosts.Add(host);
        }

        return hosts;
    }
}
