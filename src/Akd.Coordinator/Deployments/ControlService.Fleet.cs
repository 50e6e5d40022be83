using Akd.Contracts.V1;
using Akd.Coordinator.Errors;
using Akd.Coordinator.Security;
using Akd.Coordinator.Storage;
using Grpc.Core;

namespace Akd.Coordinator.Deployments;

/// <summary>Rollback, start/stop/restart, cancel, the releases query and the upgrade base of a local build.</summary>
public sealed partial class ControlService
{
    public override async Task Rollback(RollbackRequest request, IServerStreamWriter<DeploymentEvent> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var plan = await operations.PlanAsync(DeploymentKind.Rollback, request.App, request.Environment, Caller.Of(context).Name, request.SkipOffline, request.ToRelease.Trim(), ct)
            .ConfigureAwait(false);
        var id = await AdmitAsync(() => scheduler.StartAsync(plan, ct)).ConfigureAwait(false);
        await StreamAsync(id, 0, follow: true, finished: false, responseStream, ct).ConfigureAwait(false);
    }

    public override async Task ControlApp(ControlAppRequest request, IServerStreamWriter<DeploymentEvent> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (!request.Action.IsAppControl())
        {
            throw new InvalidRequestException($"unknown action '{request.Action.Text()}'; expected start, stop or restart");
        }

        var plan = await operations.PlanAsync(request.Action, request.App, request.Environment, Caller.Of(context).Name, request.SkipOffline, "", ct).ConfigureAwait(false);
        var id = await AdmitAsync(() => scheduler.StartAsync(plan, ct)).ConfigureAwait(false);
        await StreamAsync(id, 0, follow: true, finished: false, responseStream, ct).ConfigureAwait(false);
    }

    public override async Task<Deployment> CancelDeployment(CancelDeploymentRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var deployment = await GetOrThrowAsync(request.Id, ct).ConfigureAwait(false);
        if (deployment.FinishedAt is not null)
        {
            throw new PreconditionFailedException($"deployment {deployment.Id} already ended {deployment.State.Text()}; nothing to cancel");
        }

        var actor = Caller.Of(context).Name;
        if (!await scheduler.CancelAsync(deployment.Id, actor, ct).ConfigureAwait(false))
        {
            // Driven by another replica: the cancel goes to it, and takes effect there as if asked there.
            if (await deployments.DriverOfAsync(deployment.Id, ct).ConfigureAwait(false) is not { Length: > 0 } driver || driver == replica.Id)
            {
                throw new PreconditionFailedException($"deployment {deployment.Id} is not running on this coordinator");
            }

            await routes.SendAsync(new RoutedMessage(0, driver, replica.Id, "", deployment.Id, RoutedKinds.CancelDeployment,
                Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(actor))), ct).ConfigureAwait(false);
        }

        return await GetOrThrowAsync(deployment.Id, ct).ConfigureAwait(false);
    }

    public override Task<ListReleasesResponse> ListReleases(ListReleasesRequest request, ServerCallContext context) =>
        releases.RunAsync(request.App, request.Environment, context.CancellationToken);

    public override Task<UpgradeBase> GetUpgradeBase(UpgradeBaseRequest request, ServerCallContext context) =>
        upgradeBase.RunAsync(request, context.CancellationToken);

    /// <summary>A held deploy lock becomes ABORTED with the holder named in the message and in a trailer.</summary>
    private static async Task<string> AdmitAsync(Func<Task<string>> start)
    {
        try
        {
            return await start().ConfigureAwait(false);
        }
        catch (DeployLockedException ex)
        {
            throw new ConcurrentChangeException(ex.Message, new Dictionary<string, string> { [ControlTrailers.LockHolder] = ex.Holder.DeploymentId });
        }
    }
}
