namespace Akd.Coordinator.Dashboard;

/// <summary>The one script and the one stylesheet, embedded in the coordinator (no files to deploy beside it).</summary>
internal static class DashboardAssets
{
    public static void Map(RouteGroupBuilder group)
    {
        var js = Read("dashboard.js");
        var css = Read("dashboard.css");
        group.MapGet(Layout.JsPath, () => Results.Bytes(js, "text/javascript; charset=utf-8"));
        group.MapGet(Layout.CssPath, () => Results.Bytes(css, "text/css; charset=utf-8"));
    }

    private static byte[] Read(string name)
    {
        using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream($"Akd.Coordinator.Dashboard.{name}")
            ?? throw new InvalidOperationException($"the dashboard asset {name} is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
