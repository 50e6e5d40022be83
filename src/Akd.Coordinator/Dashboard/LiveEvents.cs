using System.Globalization;
using System.Text.Json;
using Akd.Contracts.V1;
using Akd.Coordinator.Deployments;
using Akd.Coordinator.Storage;

namespace Akd.Coordinator.Dashboard;

/// <summary>
/// <c>/deployments/{id}/events</c>: the deployment's events as server-sent events, from the one after
/// <c>?after=</c> (or the browser's <c>Last-Event-ID</c> on a reconnect) until the deployment ends, then
/// an <c>end</c> event. The same replay-then-follow as <c>akdctl logs -f</c>.
/// </summary>
internal static class LiveEvents
{
    public static void Map(RouteGroupBuilder group) => group.MapGet("/deployments/{id}/events", async (
        string id, HttpContext context, DashboardGate gate, DeploymentStore store, DeploymentEvents events, IHostApplicationLifetime lifetime) =>
    {
        // A stopping coordinator ends the streams at once (browsers reconnect from the last id) instead of waiting for them.
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var ct = stream.Token;
        if (await gate.AuthorizeAsync(context, DashboardAccess.WatchDeployment, ct).ConfigureAwait(false) is null)
        {
            return;
        }

        if (await store.GetAsync(id, ct).ConfigureAwait(false) is not { } deployment)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var after = Math.Max(Seq(context.Request.Query["after"]), Seq(context.Request.Headers["Last-Event-ID"]));
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
        try
        {
            var finished = deployment.FinishedAt is not null;
            await foreach (var e in events.WatchAsync(id, after, follow: true, finished, ct).ConfigureAwait(false))
            {
                await context.Response.WriteAsync($"id: {e.Seq}\ndata: {Json(e)}\n\n", ct).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
            }

            var final = await store.GetAsync(id, ct).ConfigureAwait(false);
            await context.Response.WriteAsync($"event: end\ndata: {JsonSerializer.Serialize(final?.State.Text() ?? "")}\n\n", ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The browser left the page.
        }
    });

    /// <summary>One event as the page script reads it; the time is the one the server-rendered page shows.</summary>
    public static string Json(DeploymentEvent e) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["seq"] = e.Seq,
        ["kind"] = e.Kind switch
        {
            EventKind.Deployment => "deployment",
            EventKind.Step => "step",
            EventKind.Progress => "progress",
            _ => "log",
        },
        ["host"] = e.Host,
        ["step"] = e.Step.Text(),
        ["state"] = e.StatusText(),
        ["message"] = e.Message,
        ["releaseId"] = e.ReleaseId,
        ["version"] = e.Version,
        ["at"] = Cells.Clock(e.At),
        ["when"] = Cells.Time(e.At),
        ["line"] = e.Kind == EventKind.Log ? DeploymentPage.LogLine(e) : "",
        // What the page does with a state is decided here, so the script never spells a state word itself.
        ["ended"] = e.Kind == EventKind.Deployment && e.DeploymentState is DeploymentState.Succeeded or DeploymentState.Failed or DeploymentState.Cancelled,
        ["builtBy"] = e.Kind == EventKind.Step && e.Step == StepKind.Build && e.StepState == StepState.Succeeded,
    });

    private static long Seq(string? text) => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seq) ? seq : 0;
}
