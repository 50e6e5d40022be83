using Akd.Contracts.V1;
using Akd.Coordinator.Storage;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Dashboard;

/// <summary>What the deployments page shows: by app, environment and result (running, succeeded, failed, cancelled).</summary>
internal sealed record DeploymentFilter(string App, string Environment, string Result)
{
    /// <summary>The result filter: any, still running (not ended), or ended in one of these states.</summary>
    public static readonly string[] Results = ["", "running", DeploymentState.Succeeded.Text(), DeploymentState.Failed.Text(), DeploymentState.Cancelled.Text()];

    public static DeploymentFilter From(IQueryCollection query) => new(
        query["app"].ToString().Trim(), query["env"].ToString().Trim(),
        Results.Contains(query["result"].ToString()) ? query["result"].ToString() : "");

    public bool Matches(Deployment d) =>
        (App.Length == 0 || d.App == App) &&
        (Environment.Length == 0 || d.Environment == Environment) &&
        (Result.Length == 0 || (Result == "running" ? d.FinishedAt is null : d.FinishedAt is not null && d.State.Text() == Result));
}

/// <summary><c>/deployments</c>: the history, newest first, filtered; each row links to its live page.</summary>
internal static class DeploymentsPage
{
    public static void Map(RouteGroupBuilder group) => group.MapGet("/deployments", async (
        HttpContext context, DashboardGate gate, DeploymentStore store, IOptions<DashboardOptions> options) =>
    {
        var ct = context.RequestAborted;
        if (await gate.AuthorizeAsync(context, DashboardAccess.ListDeployments, ct).ConfigureAwait(false) is not { } signedIn)
        {
            return;
        }

        var filter = DeploymentFilter.From(context.Request.Query);
        var all = await store.ListAsync(filter.App, options.Value.DeploymentsPageLimit, ct).ConfigureAwait(false);
        var shown = all.Where(filter.Matches).ToList();
        await DashboardResponses.WriteAsync(context, Layout.Page("Deployments", signedIn.Session, signedIn.Caller, html => Render(html, filter, shown)), ct)
            .ConfigureAwait(false);
    });

    public static void Render(Html html, DeploymentFilter filter, IReadOnlyList<Deployment> deployments)
    {
        html.Element("h1", "Deployments");
        html.Open("form", ("method", "get"), ("action", "/deployments"), ("class", "filters"))
            .Element("label", "App", ("for", "f-app")).Void("input", ("id", "f-app"), ("name", "app"), ("value", filter.App))
            .Element("label", "Environment", ("for", "f-env")).Void("input", ("id", "f-env"), ("name", "env"), ("value", filter.Environment))
            .Element("label", "Result", ("for", "f-result")).Open("select", ("id", "f-result"), ("name", "result"));
        foreach (var result in DeploymentFilter.Results)
        {
            html.Element("option", result.Length == 0 ? "any" : result, ("value", result), ("selected", result == filter.Result ? "selected" : null));
        }

        html.Close("select").Element("button", "Filter", ("type", "submit")).Close("form");
        if (deployments.Count == 0)
        {
            html.Element("p", "No deployment matches.", ("class", "hint"));
            return;
        }

        html.Open("div", ("class", "scroll")).Open("table", ("id", "deployments")).Open("thead").Open("tr");
        foreach (var column in new[] { "Id", "App", "Env", "Kind", "State", "Version", "Release", "By", "Started", "Ended" })
        {
            html.Element("th", column);
        }

        html.Close("tr").Close("thead").Open("tbody");
        foreach (var d in deployments)
        {
            html.Open("tr", ("data-deployment", d.Id))
                .Open("td").Element("a", d.Id, ("href", $"/deployments/{Uri.EscapeDataString(d.Id)}")).Close("td")
                .Element("td", d.App)
                .Element("td", Cells.Dash(d.Environment))
                .Element("td", d.Kind.Text())
                .Open("td").Element("span", d.State.Text(), ("class", Cells.StateClass(d.State.Text()))).Close("td")
                .Element("td", Cells.Dash(d.Version))
                .Element("td", Cells.Dash(d.ReleaseId))
                .Element("td", d.Actor)
                .Element("td", Cells.Time(d.CreatedAt))
                .Element("td", Cells.Time(d.FinishedAt))
                .Close("tr");
        }

        html.Close("tbody").Close("table").Close("div");
    }
}
