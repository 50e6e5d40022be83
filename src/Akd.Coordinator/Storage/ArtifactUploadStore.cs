namespace Akd.Coordinator.Storage;

/// <summary>Who uploaded each artifact, and for which build step: the provenance <c>akdctl status</c> shows.</summary>
public sealed class ArtifactUploadStore(Database db, TimeProvider clock)
{
    /// <summary>Records the first upload of a digest; the same bytes uploaded again keep their first uploader.</summary>
    public Task RecordAsync(string sha256, string kind, string uploadedBy, string stepId, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            "INSERT INTO artifact_uploads(sha256, kind, uploaded_by, step_id, at) VALUES (@sha, @kind, @by, @step, @at) ON CONFLICT DO NOTHING",
            ("@sha", sha256), ("@kind", kind), ("@by", uploadedBy), ("@step", stepId), ("@at", clock.GetUtcNow().ToDb()));
        command.ExecuteNonQuery();
    }, ct);

    public Task<bool> UploadedByAsync(string sha256, string uploader, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("SELECT 1 FROM artifact_uploads WHERE sha256 = @sha AND uploaded_by = @by", ("@sha", sha256), ("@by", uploader));
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
