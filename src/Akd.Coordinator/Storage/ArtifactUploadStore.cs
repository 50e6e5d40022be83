namespace Akd.Coordinator.Storage;

/// <summary>Who uploaded each artifact, and for which build step: the provenance <c>akdctl status</c> shows.</summary>
public sealed class ArtifactUploadStore(Database db, TimeProvider clock)
{
    /// <summary>
    /// Records the first upload of a digest; the same bytes uploaded again keep their first uploader, unless
    /// a build step uploads them: a release is bound to the build step that last produced it.
    /// </summary>
    public Task RecordAsync(string sha256, string kind, string uploadedBy, string stepId, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            """
            INSERT INTO artifact_uploads(sha256, kind, uploaded_by, step_id, at) VALUES (@sha, @kind, @by, @step, @at)
            ON CONFLICT(sha256) DO UPDATE SET kind = excluded.kind, uploaded_by = excluded.uploaded_by, step_id = excluded.step_id, at = excluded.at
            WHERE excluded.step_id <> ''
            """,
            ("@sha", sha256), ("@kind", kind), ("@by", uploadedBy), ("@step", stepId), ("@at", clock.GetUtcNow().ToDb()));
        command.ExecuteNonQuery();
    }, ct);

    public Task<bool> UploadedByAsync(string sha256, string uploader, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("SELECT 1 FROM artifact_uploads WHERE sha256 = @sha AND uploaded_by = @by", ("@sha", sha256), ("@by", uploader));
        return command.ExecuteScalar() is not null;
    }, ct);

    /// <summary>True when <paramref name="uploader"/> uploaded the digest within build step <paramref name="stepId"/>.</summary>
    public Task<bool> UploadedInStepAsync(string sha256, string uploader, string stepId, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            "SELECT 1 FROM artifact_uploads WHERE sha256 = @sha AND uploaded_by = @by AND step_id = @step AND step_id <> ''",
            ("@sha", sha256), ("@by", uploader), ("@step", stepId));
        return command.ExecuteScalar() is not null;
    }, ct);

    /// <summary>"agent build-1, build step ..." or "token 'ci' (deployer)"; empty when unknown.</summary>
    public Task<string> ProvenanceAsync(string sha256, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("SELECT uploaded_by, step_id FROM artifact_uploads WHERE sha256 = @sha", ("@sha", sha256));
        using var r = command.ExecuteReader();
        return !r.Read() ? "" : r.GetString(1).Length > 0 ? $"{r.GetString(0)}, build step {r.GetString(1)}" : r.GetString(0);
    }, ct);
}
