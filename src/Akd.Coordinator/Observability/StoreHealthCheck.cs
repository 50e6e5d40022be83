using Akd.Coordinator.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Akd.Coordinator.Observability;

/// <summary>Serving means the coordinator's database answers: without it no deployment can start or be recorded.</summary>
public sealed class StoreHealthCheck(Database db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await db.UseAsync(c =>
            {
                using var command = c.CreateCommand();
                command.CommandText = "SELECT 1";
                command.ExecuteScalar();
            }, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("the coordinator's database does not answer", ex);
        }
    }
}
