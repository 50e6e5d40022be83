using Akd.Contracts.V1;
using Akd.Coordinator.Storage;

namespace Akd.Coordinator.Deployments;

/// <summary>Another deployment of the same app and environment holds the deploy lock.</summary>
public sealed class DeployLockedException(DeployLock holder) : Exception(Describe(holder))
{
    public DeployLock Holder { get; } = holder;

    private static string Describe(DeployLock h)
    {
        var where = string.IsNullOrEmpty(h.Environment) ? h.App : $"{h.App} ({h.Environment})";
        return $"{where} is locked by {h.Kind.Text()} {h.DeploymentId}, started by {h.Actor} at {h.Since.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC; " +
            $"retry with --wait to queue behind it, or stop it with: akdctl cancel {h.DeploymentId}";
    }
}
