using System.Collections.Concurrent;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// Runs deployments in the background, independent of the akdctl call that started them:
/// a CI job that loses its connection does not leave a fleet half-deployed.
/// </summary>
public sealed class DeploymentScheduler(DeploymentRunner runner, IHostApplicationLifetime lifetime)
{
    private readonly ConcurrentDictionary<string, Task> _running = new();

    public async Task<string> StartAsync(DeploymentPlan plan, CancellationToken ct)
    {
        await runner.CreateAsync(plan, ct).ConfigureAwait(false);
        var id = plan.Record.Id;
        _running[id] = Task.Run(async () =>
        {
            try
            {
                await runner.RunAsync(plan, lifetime.ApplicationStopping).ConfigureAwait(false);
            }
            finally
            {
                _running.TryRemove(id, out _);
            }
        }, CancellationToken.None);
        return id;
    }

    public bool IsRunning(string id) => _running.ContainsKey(id);
}
