using Akd.Contracts.V1;
using Akd.Coordinator.Errors;
using Akd.Coordinator.Security;
using Akd.Coordinator.Storage;
using Grpc.Core;

namespace Akd.Coordinator.Deployments;

/// <summary>The API akdctl uses.</summary>
public sealed partial class ControlService(
    DeploymentPlanner planner,
    OperationPlanner operations,
    ReleasesLookup releases,
    UpgradeBaseLookup upgradeBase,
    DeploymentScheduler scheduler,
    DeploymentStore deployments,
    DeploymentEvents events,
    AgentStore agents,
    ArtifactUploadStore uploads,
    ArtifactDeliveryStore deliveries,
    RouteStore routes,
    Replicas.ReplicaIdentity replica,
    Microsoft.Extensions.Options.IOptions<CoordinatorOptions> options) : Control.ControlBase
{
    public override async Task Deploy(DeployRequest request, IServerStreamWriter<DeploymentEvent> responseStream, ServerCallContext context)
    {
        // History records the caller's token name, never what the request says.
        request.Actor = Caller.Of(context).Name;
        var plan = await planner.PlanAsync(request, context.CancellationToken).ConfigureAwait(false);
        var id = await AdmitAsync(() => scheduler.StartAsync(plan, context.CancellationToken)).ConfigureAwait(false);
        await StreamAsync(id, 0, follow: true, finished: false, responseStream, context.CancellationToken).ConfigureAwait(false);
    }

    public override Task<CheckDeployResponse> CheckDeploy(CheckDeployRequest request, ServerCallContext context) =>
        planner.CheckAsync(request.Deploy ?? new DeployRequest(), request.LocalBuild, context.CancellationToken);

    public override async Task WatchDeployment(WatchDeploymentRequest request, IServerStreamWriter<DeploymentEvent> responseStream, ServerCallContext context)
    {
        var deployment = await GetOrThrowAsync(request.Id, context.CancellationToken).ConfigureAwait(false);
        var finished = deployment.FinishedAt is not null;
        await StreamAsync(deployment.Id, request.FromSeq, request.Follow, finished, responseStream, context.CancellationToken).ConfigureAwait(false);
    }

    public override Task<Deployment> GetDeployment(GetDeploymentRequest request, ServerCallContext context) =>
        GetOrThrowAsync(request.Id, context.CancellationToken);

    public override async Task<ListDeploymentsResponse> ListDeployments(ListDeploymentsRequest request, ServerCallContext context)
    {
        var response = new ListDeploymentsResponse();
        response.Deployments.AddRange(await deployments.ListAsync(request.App, request.Limit > 0 ? request.Limit : options.Value.DeploymentListLimit, context.CancellationToken).ConfigureAwait(false));
        return response;
    }

    public override async Task<ListAgentsResponse> ListAgents(ListAgentsRequest request, ServerCallContext context)
    {
        var response = new ListAgentsResponse();
        response.Agents.AddRange(await agents.ListAsync(context.CancellationToken).ConfigureAwait(false));
        return response;
    }

    private async Task StreamAsync(string id, long fromSeq, bool follow, bool finished, IServerStreamWriter<DeploymentEvent> stream, CancellationToken ct)
    {
        await foreach (var e in events.WatchAsync(id, fromSeq, follow, finished, ct).ConfigureAwait(false))
        {
            await stream.WriteAsync(e, ct).ConfigureAwait(false);
        }
    }

    private async Task<Deployment> GetOrThrowAsync(string id, CancellationToken ct)
    {
        var found = await deployments.GetAsync(id, ct).ConfigureAwait(false)
            ?? throw new NotFoundException($"no deployment with id '{id}'");
        if (found.ArtifactSha256.Length > 0)
        {
            found.BuiltBy = await uploads.ProvenanceAsync(found.ArtifactSha256, ct).ConfigureAwait(false);
            var delivered = await deliveries.ForDeploymentAsync(found.Id, ct).ConfigureAwait(false);
            foreach (var host in found.Hosts.Where(h => h.Step == StepKind.Activate))
            {
                host.Transfer = delivered.GetValueOrDefault(host.Host);
            }
        }

        return found;
    }
}
