namespace Akd.Coordinator.Storage;

/// <summary>What "deploy again" (the dashboard) reads back: the manifest a deployment ran with.</summary>
public sealed partial class DeploymentStore
{
    /// <summary>The manifest text the deployment was started with; "" when it has none (a fleet operation) or does not exist.</summary>
    public Task<string> ManifestYamlAsync(string id, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("SELECT manifest_yaml FROM deployments WHERE id = @id", ("@id", id));
        return command.ExecuteScalar() as string ?? "";
    }, ct);
}
