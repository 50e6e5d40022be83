using System.Net;
using Akd.Coordinator.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Akd.Coordinator.Dashboard;

/// <summary>
/// The web dashboard on its own port(s) (<c>--dashboard-urls</c>), with the API's TLS certificate. Those
/// ports speak HTTP/1.1 and HTTP/2 and serve only the dashboard; the API's ports stay HTTP/2-only.
/// </summary>
internal static class DashboardSetup
{
    /// <summary>
    /// The policy of every dashboard response: nothing but this origin's own script and stylesheet
    /// (so no inline script runs, whatever a log line holds), no framing, forms post only here.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

    /// <summary>Returns why the coordinator must not start (bad dashboard URLs), or null; <paramref name="urls"/> is empty when off.</summary>
    public static string? AddDashboard(this WebApplicationBuilder builder, out DashboardUrls urls)
    {
        builder.Services.AddOptions<DashboardOptions>().BindConfiguration("Dashboard")
            .Validate(o => o.SessionLifetime > TimeSpan.Zero && o.MaxSessions > 0, "Dashboard:SessionLifetime and Dashboard:MaxSessions must be positive")
            .Validate(o => o.DeploymentsPageLimit > 0 && o.LogLinesShown > 0, "Dashboard:DeploymentsPageLimit and Dashboard:LogLinesShown must be positive")
            .ValidateOnStart();
        urls = DashboardUrls.Parse(builder.Configuration["Dashboard:Urls"]);
        builder.Services.AddSingleton(urls);
        if (!urls.Enabled)
        {
            return null;
        }

        if (urls.Refusal(ListenUrls.Parse(builder.Configuration["urls"])) is { } refusal)
        {
            return refusal;
        }

        builder.Services.AddSingleton<DashboardSessions>();
        builder.Services.AddSingleton<DashboardGate>();
        var listening = builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey);
        builder.WebHost.UseUrls([.. (listening ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries), .. urls.Addresses.Select(a => a.ToString())]);

        // The server certificate must name the dashboard's hosts too.
        builder.Configuration.AddInMemoryCollection(urls.Addresses.Select((a, i) => new KeyValuePair<string, string?>(
            $"Trust:TlsSans:dashboard{i}", a.Host.Trim('[', ']') is "0.0.0.0" or "::" or "*" or "+" ? Dns.GetHostName() : a.Host.Trim('[', ']'))));
        return null;
    }

    /// <summary>HTTP/1.1 and HTTP/2 on the dashboard's ports (browsers, EventSource), HTTP/2 alone for gRPC everywhere else.</summary>
    public static HttpProtocols ProtocolsFor(this DashboardUrls urls, ListenOptions endpoint) =>
        endpoint.IPEndPoint is { } ip && urls.Ports.Contains(ip.Port) ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http2;

    public static void MapDashboard(this WebApplication app)
    {
        var urls = app.Services.GetRequiredService<DashboardUrls>();
        if (!urls.Enabled)
        {
            return;
        }

        // On a dashboard port: the dashboard's headers, and nothing else (no gRPC) answers there.
        app.Use((context, next) =>
        {
            if (!urls.Ports.Contains(context.Connection.LocalPort))
            {
                return next(context);
            }

            if (context.GetEndpoint()?.Metadata.GetMetadata<DashboardEndpoint>() is null)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers.CacheControl = "no-store";
            return next(context);
        });

        var group = app.MapGroup("").RequireHost([.. urls.Ports.Select(p => $"*:{p}")]).WithMetadata(new DashboardEndpoint());
        DashboardAssets.Map(group);
        LoginEndpoints.Map(group);
        FleetPage.Map(group);
        DeploymentsPage.Map(group);
        DeploymentPage.Map(group);
        LiveEvents.Map(group);
        DashboardActions.Map(group);
        ReleasesPage.Map(group);
    }

    /// <summary>Marks the dashboard's endpoints, the only ones its ports serve.</summary>
    private sealed class DashboardEndpoint;
}
