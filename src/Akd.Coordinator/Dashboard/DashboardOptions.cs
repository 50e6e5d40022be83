namespace Akd.Coordinator.Dashboard;

/// <summary>The web dashboard, from the "Dashboard" section and <c>--dashboard-urls</c>. Off unless URLs are given.</summary>
public sealed class DashboardOptions
{
    /// <summary>
    /// Where the dashboard listens (<c>--dashboard-urls https://127.0.0.1:7403</c>; several separated by <c>;</c>).
    /// https:// only, on ports of their own (not those of <c>--urls</c>), with the coordinator's certificate. Empty: no dashboard.
    /// </summary>
    public string Urls { get; set; } = "";

    /// <summary>How long a sign-in lasts; the token's own expiry or revocation ends it sooner (it is checked on every request).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>The most sign-ins kept at once; the oldest goes first when a new one would exceed it.</summary>
    public int MaxSessions { get; set; } = 1000;

    /// <summary>The most deployments the deployments page reads before it filters by environment and result.</summary>
    public int DeploymentsPageLimit { get; set; } = 200;

    /// <summary>The most log lines the live page shows when it opens; later lines stream in.</summary>
    public int LogLinesShown { get; set; } = 2000;
}
