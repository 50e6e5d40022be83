using Akd.Contracts.V1;

namespace Akd.Coordinator.Storage;

/// <summary>Where each host's copy of a deployment's release came from, in bytes: the coordinator or peers.</summary>
public sealed class ArtifactDeliveryStore(Database db)
{
    /// <summary>The host's report for the deployment; a later activation of the same host (a resume) replaces it.</summary>
    public Task RecordAsync(string deploymentId, string host, TransferStats transfer, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            """
            INSERT INTO artifact_deliveries(deployment_id, host, from_coordinator, from_peers) VALUES (@id, @host, @coordinator, @peers)
            ON CONFLICT (deployment_id, host) DO UPDATE SET from_coordinator = excluded.from_coordinator, from_peers = excluded.from_peers
            """,
            ("@id", deploymentId), ("@host", host), ("@coordinator", transfer.BytesFromCoordinator), ("@peers", transfer.BytesFromPeers));
        command.ExecuteNonQuery();
    }, ct);

    public Task<Dictionary<string, TransferStats>> ForDeploymentAsync(string deploymentId, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("SELECT host, from_coordinator, from_peers FROM artifact_deliveries WHERE deployment_id = @id", ("@id", deploymentId));
        using var r = command.ExecuteReader();
        var found = new Dictionary<string, TransferStats>(StringComparer.Ordinal);
        while (r.Read())
        {
            found[r.GetString(0)] = new TransferStats { BytesFromCoordinator = r.GetInt64(1), BytesFromPeers = r.GetInt64(2) };
        }

        return found;
    }, ct);
}
