using System.Globalization;
using Akd.Contracts.V1;
using Akd.Coordinator.Deployments;
using Akd.Coordinator.Storage;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Dashboard;

/// <summary>
/// <c>/deployments/{id}</c>: the deployment, its hosts (with the release bytes each got from the coordinator and
/// from peers), a per-host timeline of steps and phases and its
/// log, as stored so far; <c>dashboard.js</c> then follows <see cref="LiveEvents"/> from the last event shown.
/// </summary>
internal static class DeploymentPage
{
    public static void Map(RouteGroupBuilder group) => group.MapGet("/deployments/{id}", async (
        string id, HttpContext context, DashboardGate gate, DeploymentStore store, EventStore events, ArtifactUploadStore uploads, ArtifactDeliveryStore deliveries,
        IOptions<DashboardOptions> options) =>
    {
        var ct = context.RequestAborted;
        if (await gate.AuthorizeAsync(context, DashboardAccess.GetDeployment, ct).ConfigureAwait(false) is not { } signedIn)
        {
            return;
        }

        if (await store.GetAsync(id, ct).ConfigureAwait(false) is not { } deployment)
        {
            await DashboardGate.RefuseAsync(context, StatusCodes.Status404NotFound, $"No deployment with id '{id}'.", ct).ConfigureAwait(false);
            return;
        }

        if (deployment.ArtifactSha256.Length > 0)
        {
            deployment.BuiltBy = await uploads.ProvenanceAsync(deployment.ArtifactSha256, ct).ConfigureAwait(false);
            var delivered = await deliveries.ForDeploymentAsync(deployment.Id, ct).ConfigureAwait(false);
            foreach (var host in deployment.Hosts.Where(h => h.Step == StepKind.Activate))
            {
                host.Transfer = delivered.GetValueOrDefault(host.Host);
            }
        }

        var stored = await events.ReadAsync(id, 0, ct).ConfigureAwait(false);
        await DashboardResponses.WriteAsync(context, Layout.Page($"{deployment.App} {deployment.Id}", signedIn.Session, signedIn.Caller,
            html => Render(html, deployment, stored, signedIn, options.Value.LogLinesShown)), ct).ConfigureAwait(false);
    });

    public static void Render(Html html, Deployment d, IReadOnlyList<DeploymentEvent> events, SignedIn signedIn, int logLines)
    {
        var finished = d.FinishedAt is not null;
        html.Open("h1").Text($"{d.App}{(d.Environment.Length == 0 ? "" : $" ({d.Environment})")} · {d.Kind.Text()} ")
            .Element("span", d.State.Text(), ("id", "state"), ("class", Cells.StateClass(d.State.Text()))).Close("h1");
        html.Open("dl", ("class", "facts"));
        Fact(html, "Id", d.Id);
        Fact(html, "Strategy", d.Strategy);
        Fact(html, "Version", d.Version, "version");
        Fact(html, "Release", d.ReleaseId, "release");
        Fact(html, "Built by", d.BuiltBy, "built-by");
        Fact(html, "By", d.Actor);
        Fact(html, "Started", Cells.Time(d.CreatedAt));
        Fact(html, "Ended", Cells.Time(d.FinishedAt), "ended");
        if (d.Error.Length > 0)
        {
            Fact(html, "Error", d.Error, "error");
        }

        html.Close("dl");
        Actions(html, d, signedIn);

        html.Element("h2", "Hosts").Open("div", ("class", "scroll")).Open("table", ("id", "hosts")).Open("thead").Open("tr");
        foreach (var column in new[] { "Host", "Step", "State", "Release", "Message", "From coordinator", "From peers" })
        {
            html.Element("th", column);
        }

        html.Close("tr").Close("thead").Open("tbody");
        foreach (var h in d.Hosts)
        {
            html.Open("tr", ("data-key", $"{h.Host}/{h.Step.Text()}"))
                .Element("td", h.Host).Element("td", h.Step.Text())
                .Open("td").Element("span", h.State.Text(), ("class", Cells.StateClass(h.State.Text()))).Close("td")
                .Element("td", Cells.Dash(h.ReleaseId)).Element("td", h.Message)
                .Element("td", h.Transfer is null ? "-" : Cells.Bytes(h.Transfer.BytesFromCoordinator), ("class", "bytes"))
                .Element("td", h.Transfer is null ? "-" : Cells.Bytes(h.Transfer.BytesFromPeers), ("class", "bytes"))
                .Close("tr");
        }

        html.Close("tbody").Close("table").Close("div");

        html.Element("h2", "Timeline").Open("div", ("id", "timeline"), ("class", "timeline"));
        foreach (var host in events.Where(e => e.Kind is EventKind.Step or EventKind.Progress).GroupBy(e => e.Host))
        {
            html.Open("section", ("class", "host"), ("data-host", host.Key)).Element("h3", host.Key).Open("ol");
            foreach (var e in host)
            {
                html.Open("li", ("class", e.Kind == EventKind.Step ? Cells.StateClass(e.StatusText()) : "phase"))
                    .Element("time", Cells.Clock(e.At)).Text(" ").Element("b", e.Step.Text()).Text($" {e.StatusText()} {e.Message}".TrimEnd())
                    .Close("li");
            }

            html.Close("ol").Close("section");
        }

        html.Close("div");
        html.Element("h2", "Log");
        html.Element("pre", string.Join("\n", events.Where(e => e.Kind == EventKind.Log).TakeLast(logLines).Select(LogLine)), ("id", "log"));
        html.Element("div", "", ("id", "live"), ("data-events", $"/deployments/{Uri.EscapeDataString(d.Id)}/events"),
            ("data-after", (events.Count == 0 ? 0 : events[^1].Seq).ToString(CultureInfo.InvariantCulture)),
            ("data-finished", finished ? "true" : "false"));
    }

    /// <summary>As <c>dashboard.js</c> writes a streamed line: time, host (or the coordinator), text.</summary>
    public static string LogLine(DeploymentEvent e) => $"{Cells.Clock(e.At)} [{(e.Host.Length == 0 ? "coordinator" : e.Host)}] {e.Message}";

    private static void Fact(Html html, string name, string? value, string? id = null) =>
        html.Element("dt", name).Element("dd", Cells.Dash(value), ("id", id));

    /// <summary>The buttons a deployer (or admin) gets; each leads to a confirmation page, and a viewer sees none.</summary>
    private static void Actions(Html html, Deployment d, SignedIn signedIn)
    {
        var links = new List<(string Text, string Action)>();
        if (d.FinishedAt is null && DashboardAccess.May(signedIn.Caller, DashboardAccess.Cancel))
        {
            links.Add(("Cancel", DashboardActions.Cancel));
        }

        if (d.FinishedAt is not null && d.Kind == DeploymentKind.Deploy && DashboardAccess.May(signedIn.Caller, DashboardAccess.Deploy))
        {
            links.Add(("Deploy again", DashboardActions.Redeploy));
        }

        if (d.FinishedAt is not null && DashboardAccess.May(signedIn.Caller, DashboardAccess.Rollback))
        {
            links.Add(($"Roll back {d.App}", DashboardActions.Rollback));
        }

        if (links.Count == 0)
        {
            return;
        }

        html.Open("p", ("class", "actions"));
        foreach (var (text, action) in links)
        {
            html.Element("a", text, ("href", $"/deployments/{Uri.EscapeDataString(d.Id)}/{action}"), ("class", "button action"), ("id", $"action-{action}"));
        }

        html.Close("p");
    }
}
