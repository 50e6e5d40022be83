using Akd.Contracts.V1;
using Google.Protobuf;

namespace Akd.Coordinator.Storage;

public sealed partial class DeploymentStore
{
    /// <summary>
    /// Keeps the hot-upgrade plan the build made (deploy.upgrade hot/auto), so a rollout resumed after a
    /// coordinator restart sends the remaining hosts the same plan as the first ones. Null: a restart deploy.
    /// </summary>
    public Task SetUpgradePlanAsync(string id, UpgradePlan? plan, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("UPDATE deployments SET upgrade_plan = @plan WHERE id = @id",
            ("@plan", plan is null ? "" : JsonFormatter.Default.Format(plan)), ("@id", id));
        command.ExecuteNonQuery();
    }, ct);

    /// <summary>The plan <see cref="SetUpgradePlanAsync"/> kept; null when there is none (a restart deploy, or recorded before it was kept).</summary>
    public Task<UpgradePlan?> UpgradePlanAsync(string id, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("SELECT upgrade_plan FROM deployments WHERE id = @id", ("@id", id));
        return command.ExecuteScalar() is string { Length: > 0 } json ? JsonParser.Default.Parse<UpgradePlan>(json) : null;
    }, ct);
}
