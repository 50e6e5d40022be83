using System.Text.Json;
using System.Text.RegularExpressions;

namespace Akd.IntegrationTests.Fleet;

/// <summary>Reads what akdctl prints with <c>--output json</c> (one protobuf JSON object per line).</summary>
internal static partial class CliJson
{
    public static List<JsonElement> Lines(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith('{'))
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToList();

    public static string Str(this JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    /// <summary>The deployment id from JSON events or from the text summary ("deployment d-... state").</summary>
    public static string DeploymentId(CliResult result)
    {
        var fromJson = Lines(result.StdOut).Select(e => e.Str("deploymentId")).FirstOrDefault(id => id.Length > 0);
        if (fromJson is not null)
        {
            return fromJson;
        }

        var match = DeploymentIdText().Match(result.StdOut);
        Assert.True(match.Success, $"no deployment id in the output:\n{result}");
        return match.Groups[1].Value;
    }

    /// <summary><c>akdctl status ID --output json</c>.</summary>
    public static async Task<JsonElement> StatusAsync(LocalFleet fleet, string id)
    {
        var result = await fleet.AkdctlAsync(fleet.Root, TimeSpan.FromSeconds(60), "status", id, "--output", "json");
        var line = Lines(result.StdOut);
        Assert.True(line.Count == 1, $"status {id}:\n{result}");
        return line[0];
    }

    /// <summary>The host rows of a status, as (host, step) → row.</summary>
    public static Dictionary<(string Host, string Step), JsonElement> Hosts(JsonElement deployment) =>
        deployment.GetProperty("hosts").EnumerateArray().ToDictionary(h => (h.Str("host"), h.Str("step")));

    [GeneratedRegex(@"deployment (d-[0-9A-Za-z]+-[0-9a-f]+)")]
    private static partial Regex DeploymentIdText();
}
