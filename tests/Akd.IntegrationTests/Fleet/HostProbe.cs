using System.Text.Json;

namespace Akd.IntegrationTests.Fleet;

/// <summary>What a user would look at on a web host: what it answers, its current link, its revisions.log, its releases.</summary>
internal static class HostProbe
{
    public const string App = "hello";

    public static async Task<string?> BodyOrNullAsync(this LocalFleet.WebHost host)
    {
        try
        {
            return await Http.GetBodyAsync(host.Port);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public static string? CurrentRelease(this LocalFleet.WebHost host)
    {
        var target = new FileInfo(Path.Combine(host.DeployPath(App), "current")).LinkTarget;
        return target is null ? null : Path.GetFileName(target);
    }

    public static string[] Revisions(this LocalFleet.WebHost host)
    {
        var path = Path.Combine(host.DeployPath(App), "revisions.log");
        return File.Exists(path) ? File.ReadAllLines(path) : [];
    }

    public static string[] Releases(this LocalFleet.WebHost host)
    {
        var dir = Path.Combine(host.DeployPath(App), "releases");
        return Directory.Exists(dir) ? Directory.GetDirectories(dir).Select(Path.GetFileName).OfType<string>().Order().ToArray() : [];
    }

    /// <summary>The release and OS pid the agent recorded as running (shared/.akd-run.json).</summary>
    public static (string Release, int? Pid)? RunState(this LocalFleet.WebHost host)
    {
        var path = Path.Combine(host.DeployPath(App), "shared", ".akd-run.json");
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var pid = doc.RootElement.GetProperty("Pid");
            return (doc.RootElement.GetProperty("ReleaseId").GetString()!, pid.ValueKind == JsonValueKind.Number ? pid.GetInt32() : null);
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return null;
        }
    }

    /// <summary>A snapshot to prove later that a host was never touched.</summary>
    public sealed record Snapshot(string? Body, string? Current, string[] Revisions, string[] Releases);

    public static async Task<Snapshot> SnapshotAsync(this LocalFleet.WebHost host) =>
        new(await host.BodyOrNullAsync(), host.CurrentRelease(), host.Revisions(), host.Releases());
}
