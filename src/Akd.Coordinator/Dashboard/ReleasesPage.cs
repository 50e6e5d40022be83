using Akd.Contracts.V1;
using Akd.Coordinator.Deployments;
using Akd.Coordinator.Errors;
using Akd.Coordinator.Storage;
using Grpc.Core;

namespace Akd.Coordinator.Dashboard;

/// <summary>
/// <c>/releases</c>: the apps deployed so far; <c>/releases?app=A&amp;env=E</c> asks every target, as
/// <c>akdctl releases</c> does, for its current release and those it keeps.
/// </summary>
internal static class ReleasesPage
{
    public static void Map(RouteGroupBuilder group) => group.MapGet("/releases", async (
        HttpContext context, DashboardGate gate, DeploymentStore store, ReleasesLookup lookup) =>
    {
        var ct = context.RequestAborted;
        if (await gate.AuthorizeAsync(context, DashboardAccess.ListReleases, ct).ConfigureAwait(false) is not { } signedIn)
        {
            return;
        }

        var app = context.Request.Query["app"].ToString();
        var env = context.Request.Query["env"].ToString();
        var apps = (await store.ListAsync(null, 500, ct).ConfigureAwait(false))
            .Select(d => (d.App, d.Environment)).Distinct().OrderBy(a => a.App, StringComparer.Ordinal).ThenBy(a => a.Environment, StringComparer.Ordinal).ToList();
        ListReleasesResponse? releases = null;
        string? error = null;
        if (app.Length > 0)
        {
            try
            {
                releases = await lookup.RunAsync(app, env, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (RpcErrorInterceptor.StatusFor(ex) is not null)
            {
                error = ex.Message;
            }
            catch (RpcException ex)
            {
                error = ex.Status.Detail;
            }
        }

        await DashboardResponses.WriteAsync(context, Layout.Page("Releases", signedIn.Session, signedIn.Caller, html => Render(html, apps, releases, error)), ct)
            .ConfigureAwait(false);
    });

    public static void Render(Html html, IReadOnlyList<(string App, string Environment)> apps, ListReleasesResponse? releases, string? error)
    {
        html.Element("h1", "Releases").Open("ul", ("class", "apps"));
        foreach (var (app, env) in apps)
        {
            html.Open("li").Element("a", env.Length == 0 ? app : $"{app} ({env})", ("href", "/releases?" + Cells.Query(("app", app), ("env", env)))).Close("li");
        }

        html.Close("ul");
        if (error is not null)
        {
            html.Element("p", error, ("class", "error"));
        }

        if (releases is null)
        {
            return;
        }

        html.Element("h2", releases.Environment.Length == 0 ? releases.App : $"{releases.App} ({releases.Environment})");
        foreach (var host in releases.Hosts)
        {
            html.Open("section", ("class", "host-releases"), ("data-host", host.Host)).Open("h3").Text(host.Host + " ")
                .Element("span", host.State.Text(), ("class", Cells.StateClass(host.State.Text()))).Close("h3");
            if (host.State != HostAnswer.Ok)
            {
                html.Element("p", host.Error, ("class", "error"));
                html.Close("section");
                continue;
            }

            var r = host.Releases;
            html.Open("dl", ("class", "facts"))
                .Element("dt", "Path").Element("dd", r.DeployPath)
                .Element("dt", "Current").Element("dd", Cells.Dash(r.CurrentReleaseId), ("class", "current"))
                .Element("dt", "Rollback to").Element("dd", Cells.Dash(r.RollbackTarget))
                .Element("dt", "Running").Element("dd", r.Running ? $"yes (pid {r.Pid})" : "no")
                .Close("dl").Open("ol", ("class", "kept"));
            foreach (var kept in r.Releases)
            {
                var text = $"{kept.ReleaseId} (version {kept.Version}, {Cells.Time(kept.CreatedAt)}{(kept.ResultWords().Length == 0 ? "" : ", " + kept.ResultWords())})";
                html.Element("li", text, ("class", kept.ReleaseId == r.CurrentReleaseId ? "current" : null));
            }

            html.Close("ol").Close("section");
        }
    }
}
