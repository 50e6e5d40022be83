using Akd.Contracts.V1;
using Akd.Coordinator.Errors;
using Akd.Coordinator.Artifacts;
using Akd.Coordinator.Deployments;
using Akd.Coordinator.Storage;
using Grpc.Core;

namespace Akd.Coordinator.Dashboard;

/// <summary>
/// Deploy again, roll back and cancel, for deployers and admins: a GET shows what will happen and a form,
/// the POST (with the session's anti-forgery token) does it through the same planners and scheduler as the API.
/// </summary>
internal static partial class DashboardActions
{
    public const string Redeploy = "redeploy";
    public const string Rollback = "rollback";
    public const string Cancel = "cancel";

    private static readonly Dictionary<string, (string Rpc, string Title)> Known = new(StringComparer.Ordinal)
    {
        [Redeploy] = (DashboardAccess.Deploy, "Deploy again"),
        [Rollback] = (DashboardAccess.Rollback, "Roll back"),
        [Cancel] = (DashboardAccess.Cancel, "Cancel"),
    };

    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/deployments/{id}/{action}", async (string id, string action, HttpContext context, DashboardGate gate, DeploymentStore store) =>
        {
            var ct = context.RequestAborted;
            if (await AuthorizeAsync(action, context, gate, ct).ConfigureAwait(false) is not (var known, var signedIn))
            {
                return;
            }

            if (await store.GetAsync(id, ct).ConfigureAwait(false) is not { } d)
            {
                await DashboardGate.RefuseAsync(context, StatusCodes.Status404NotFound, $"No deployment with id '{id}'.", ct).ConfigureAwait(false);
                return;
            }

            await DashboardResponses.WriteAsync(context, Layout.Page(known.Title, signedIn.Session, signedIn.Caller, html =>
            {
                html.Element("h1", $"{known.Title}?").Element("p", Describe(action, d), ("id", "confirm-what"));
                html.Open("form", ("method", "post"), ("action", $"/deployments/{Uri.EscapeDataString(d.Id)}/{action}"), ("class", "inline"));
                Layout.CsrfField(html, signedIn.Session);
                html.Element("button", $"Yes, {known.Title.ToLowerInvariant()}", ("type", "submit"), ("id", "confirm"), ("class", "danger")).Close("form")
                    .Element("a", "No, go back", ("href", $"/deployments/{Uri.EscapeDataString(d.Id)}"), ("class", "button"));
            }), ct).ConfigureAwait(false);
        });

        group.MapPost("/deployments/{id}/{action}", async (string id, string action, HttpContext context, DashboardGate gate, IServiceProvider services) =>
        {
            var ct = context.RequestAborted;
            if (await AuthorizeAsync(action, context, gate, ct).ConfigureAwait(false) is not (var known, var signedIn))
            {
                return;
            }

            try
            {
                var next = await RunAsync(action, id, signedIn.Caller.Name, services, ct).ConfigureAwait(false);
                LogAction(services.GetRequiredService<ILogger<DashboardGate>>(), signedIn.Caller.Name, action, id, next);
                context.Response.StatusCode = StatusCodes.Status303SeeOther;
                context.Response.Headers.Location = $"/deployments/{Uri.EscapeDataString(next)}";
            }
            catch (Exception ex) when (RpcErrorInterceptor.StatusFor(ex) is { } code)
            {
                await DashboardGate.RefuseAsync(context, code == StatusCode.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status409Conflict,
                    ex.Message, ct).ConfigureAwait(false);
            }
            catch (DeployLockedException ex)
            {
                await DashboardGate.RefuseAsync(context, StatusCodes.Status409Conflict, ex.Message, ct).ConfigureAwait(false);
            }
        });
    }

    /// <summary>
    /// The action and who asks for it, when it is one of <see cref="Known"/> and the caller may do it; otherwise the
    /// response already says why not (404 for an unknown action, the gate's refusal) and null comes back.
    /// </summary>
    private static async Task<((string Rpc, string Title) Known, SignedIn SignedIn)?> AuthorizeAsync(
        string action, HttpContext context, DashboardGate gate, CancellationToken ct)
    {
        if (!Known.TryGetValue(action, out var known))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return null;
        }

        return await gate.AuthorizeAsync(context, known.Rpc, ct).ConfigureAwait(false) is { } signedIn ? (known, signedIn) : null;
    }

    private static string Describe(string action, Deployment d) => action switch
    {
        Redeploy => $"Start a new deployment of {d.App}{Env(d)} with the manifest and source of {d.Id} (version {Cells.Dash(d.Version)}): it builds and rolls out again.",
        Rollback => $"Put every target of {d.App}{Env(d)} back on the release it ran before its current one.",
        _ => $"Stop {d.Id} after the hosts in flight finish their step; hosts that already switched go back.",
    };

    private static string Env(Deployment d) => d.Environment.Length == 0 ? "" : $" ({d.Environment})";

    /// <summary>Does it; returns the deployment to show next (the new one, or the cancelled one).</summary>
    private static async Task<string> RunAsync(string action, string id, string actor, IServiceProvider services, CancellationToken ct)
    {
        var store = services.GetRequiredService<DeploymentStore>();
        var scheduler = services.GetRequiredService<DeploymentScheduler>();
        var d = await store.GetAsync(id, ct).ConfigureAwait(false) ?? throw new NotFoundException($"no deployment with id '{id}'");
        switch (action)
        {
            case Cancel:
                if (d.FinishedAt is not null)
                {
                    throw new PreconditionFailedException($"deployment {d.Id} already ended {d.State.Text()}; nothing to cancel");
                }

                return await scheduler.CancelAsync(d.Id, actor, ct).ConfigureAwait(false)
                    ? d.Id
                    : throw new PreconditionFailedException($"deployment {d.Id} is not running on this coordinator");
            case Rollback:
                var rollback = await services.GetRequiredService<OperationPlanner>()
                    .PlanAsync(DeploymentKind.Rollback, d.App, d.Environment, actor, skipOffline: false, rollbackTo: "", ct).ConfigureAwait(false);
                return await scheduler.StartAsync(rollback, ct).ConfigureAwait(false);
            default:
                var request = await RedeployRequestAsync(d, store, services.GetRequiredService<ArtifactStore>(), actor, ct).ConfigureAwait(false);
                var plan = await services.GetRequiredService<DeploymentPlanner>().PlanAsync(request, ct).ConfigureAwait(false);
                return await scheduler.StartAsync(plan, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The request akdctl sent for <paramref name="d"/>, rebuilt from history: its manifest and its uploaded source archive.</summary>
    private static async Task<DeployRequest> RedeployRequestAsync(Deployment d, DeploymentStore store, ArtifactStore artifacts, string actor, CancellationToken ct)
    {
        if (d.Kind != DeploymentKind.Deploy || d.FinishedAt is null)
        {
            throw new PreconditionFailedException($"{d.Id} is a {d.Kind.Text()} that {(d.FinishedAt is null ? "still runs" : "ended")}: only a finished deploy can be deployed again");
        }

        var yaml = await store.ManifestYamlAsync(d.Id, ct).ConfigureAwait(false);
        var size = d.SourceSha256.Length == 0 ? null : await artifacts.SizeOfAsync(d.SourceSha256, ct).ConfigureAwait(false);
        if (yaml.Length == 0 || size is null)
        {
            throw new PreconditionFailedException($"{d.Id} cannot be deployed again from here: its uploaded source is no longer kept (or it came from git or a local build); run akdctl deploy");
        }

        return new DeployRequest
        {
            ManifestYaml = yaml,
            ManifestPath = "akd.yaml",
            Environment = d.Environment,
            DefaultApp = d.App,
            Actor = actor,
            Source = new SourceSpec { Archive = new ArtifactRef { Sha256 = d.SourceSha256, Size = size.Value } },
            SourceVersion = d.Strategy == "source" ? d.Version : "",
        };
    }


    [LoggerMessage(EventId = 1404, Level = LogLevel.Information, Message = "Dashboard: token '{Name}' asked to {Action} {Id}: {Next}")]
    private static partial void LogAction(ILogger logger, string name, string action, string id, string next);
}
