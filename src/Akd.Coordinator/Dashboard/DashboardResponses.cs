namespace Akd.Coordinator.Dashboard;

/// <summary>How every dashboard response goes out: HTML, never cached, with its security headers (set by <see cref="DashboardSetup"/>).</summary>
internal static class DashboardResponses
{
    public static async Task WriteAsync(HttpContext context, string html, CancellationToken ct)
    {
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(html, ct).ConfigureAwait(false);
    }
}
