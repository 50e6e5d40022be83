namespace Akd.Coordinator.Storage;

/// <summary>The manifest an app was last deployed with, in one environment, as fleet commands reuse it.</summary>
public sealed record StoredManifest(string DeploymentId, string Yaml, string Sha256, string Strategy);

/// <summary>What fleet operations (rollback, start/stop/restart, cancel) read from and add to the history.</summary>
public sealed partial class DeploymentStore
{
    /// <summary>
    /// The manifest of the app's latest successful deploy in <paramref name="environment"/>, or of its
    /// latest deployment of any kind when none succeeded yet; null when the app was never deployed here.
    /// </summary>
    public Task<StoredManifest?> LatestManifestAsync(string app, string environment, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            """
            SELECT id, manifest_yaml, manifest_sha256, strategy FROM deployments
            WHERE app = @app AND environment = @env AND manifest_yaml <> ''
            ORDER BY (kind = @w_deploy AND state = @w_succeeded) DESC, created_at DESC LIMIT 1
            """,
            ("@app", app), ("@env", environment), StoredWords.Deploy, StoredWords.Succeeded);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new StoredManifest(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)) : null;
    }, ct);

    /// <summary>
    /// The release a host was last reported on for this app and environment (by any finished step
    /// that left it running a known release), or "" when no step ever told.
    /// </summary>
    public Task<string> LastKnownReleaseAsync(string app, string environment, string host, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            """
            SELECT hs.release_id FROM host_steps hs JOIN deployments d ON d.id = hs.deployment_id
            WHERE d.app = @app AND d.environment = @env AND hs.host = @host AND hs.step <> @w_build
              AND hs.state IN (@w_step_succeeded, @w_step_rolled_back) AND hs.release_id <> '' AND hs.finished_at IS NOT NULL
            ORDER BY hs.finished_at DESC LIMIT 1
            """,
            ("@app", app), ("@env", environment), ("@host", host), StoredWords.Build, StoredWords.StepSucceeded, StoredWords.StepRolledBack);
        return command.ExecuteScalar() as string ?? "";
    }, ct);

    /// <summary>
    /// Digests an artifact sweep must keep: the source and artifact of every deployment that has not
    /// ended, of the <paramref name="keepPerApp"/> newest deploys of each app and environment, and of
    /// every release a host was last reported on (a hot upgrade builds its relup from that release).
    /// </summary>
    public Task<HashSet<string>> ArtifactsInUseAsync(int keepPerApp, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            """
            SELECT source_sha256, artifact_sha256 FROM (
                SELECT source_sha256, artifact_sha256, finished_at, kind,
                    ROW_NUMBER() OVER (PARTITION BY app, environment, kind ORDER BY created_at DESC) AS newest
                FROM deployments) AS ranked
            WHERE finished_at IS NULL OR (kind = @w_deploy AND newest <= @keep)
            UNION
            SELECT '', d.artifact_sha256 FROM deployments d JOIN (
                SELECT app, release_id FROM (
                    SELECT d2.app, hs.release_id,
                        ROW_NUMBER() OVER (PARTITION BY d2.app, d2.environment, hs.host ORDER BY hs.finished_at DESC) AS latest
                    FROM host_steps hs JOIN deployments d2 ON d2.id = hs.deployment_id
                    WHERE hs.step <> @w_build AND hs.state IN (@w_step_succeeded, @w_step_rolled_back) AND hs.release_id <> '' AND hs.finished_at IS NOT NULL) AS per_host
                WHERE latest = 1) AS live ON live.app = d.app AND live.release_id = d.release_id
            WHERE d.kind = @w_deploy AND d.artifact_sha256 <> ''
            """,
            ("@keep", keepPerApp), StoredWords.Deploy, StoredWords.Build, StoredWords.StepSucceeded, StoredWords.StepRolledBack);
        using var reader = command.ExecuteReader();
        var inUse = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            inUse.Add(reader.GetString(0));
            inUse.Add(reader.GetString(1));
        }

        inUse.Remove("");
        return inUse;
    }, ct);

    /// <summary>The artifact and version a release was built from, from the deploy that built it.</summary>
    public Task<(string Artifact, string Version)?> FindBuildAsync(string app, string releaseId, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            """
            SELECT artifact_sha256, version FROM deployments
            WHERE app = @app AND release_id = @release AND artifact_sha256 <> '' AND kind = @w_deploy
            ORDER BY created_at DESC LIMIT 1
            """,
            ("@app", app), ("@release", releaseId), StoredWords.Deploy);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetString(0), reader.GetString(1)) : ((string, string)?)null;
    }, ct);

    public Task SetCancelledByAsync(string id, string actor, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("UPDATE deployments SET cancelled_by = @actor WHERE id = @id AND cancelled_by = '' AND finished_at IS NULL", ("@actor", actor), ("@id", id));
        command.ExecuteNonQuery();
    }, ct);
}
