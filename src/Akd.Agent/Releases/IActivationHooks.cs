namespace Akd.Agent.Releases;

/// <summary>
/// A deploy's hooks inside <see cref="ReleaseActivator"/>: after <c>current</c> switches (before the
/// start) and after the health check passed. Failing ones throw <see cref="Akd.Core.Hooks.HookFailedException"/>,
/// which puts the host back on its previous release. Rollbacks and restarts run without hooks.
/// </summary>
internal interface IActivationHooks
{
    Task AfterActivateAsync(string releaseDir, CancellationToken ct);

    Task AfterStartAsync(string releaseDir, CancellationToken ct);

    /// <summary>The activation failed: run the hooks' ensure and rollback before the host goes back to its previous release.</summary>
    Task FailedAsync(CancellationToken ct);
}
