using Akd.Testing;
using Akd.Contracts.V1;
using Google.Protobuf;

namespace Akd.Bench.Fleet;

/// <summary>
/// One <c>akdctl deploy --output json</c> and what its stored events say about time: the coordinator
/// stamps state changes, the agents stamp their phases (same machine, same clock).
/// </summary>
public sealed record AkdDeploy(string Id, string State, IReadOnlyList<DeploymentEvent> Events)
{
    public bool Succeeded => State == "succeeded";

    /// <summary>From the coordinator announcing delivery (the artifact is stored) to the deployment's end.</summary>
    public TimeSpan Delivery => At(e => e.Kind == EventKind.Deployment && e.State == "succeeded") - At(e => e.Kind == EventKind.Deployment && e.State == "delivering");

    /// <summary>The build step on the build agent: source in, mix, pack, upload.</summary>
    public TimeSpan Build => At(e => IsStep(e, "build") && e.State == "succeeded") - At(e => IsStep(e, "build") && e.State == "running");

    /// <summary>Time between two progress phases of the build step (e.g. "build" to "upload": the mix part).</summary>
    public TimeSpan BuildPhase(string from, string to) =>
        At(e => e.Kind == EventKind.Progress && e.Step == "build" && e.State == to) - At(e => e.Kind == EventKind.Progress && e.Step == "build" && e.State == from);

    public List<HostPhases> Hosts()
    {
        var hosts = new List<HostPhases>();
        foreach (var host in Events.Where(e => IsStep(e, "activate")).Select(e => e.Host).Distinct())
        {
            var events = Events.Where(e => e.Host == host && e.Step == "activate").ToList();
            DateTimeOffset? Phase(string name) => events.FirstOrDefault(e => e.Kind == EventKind.Progress && e.State == name)?.At.ToDateTimeOffset();
            var running = events.First(e => e.Kind == EventKind.Step && e.State == "running").At.ToDateTimeOffset();
            var end = events.Last(e => e.Kind == EventKind.Step).At.ToDateTimeOffset();
            var (download, unpack, stop, @switch, health) = (Phase("download")!.Value, Phase("unpack")!.Value, Phase("stop"), Phase("switch")!.Value, Phase("health")!.Value);
            hosts.Add(new HostPhases(
                Transfer: (unpack - download).TotalSeconds,
                Unpack: ((stop ?? @switch) - unpack).TotalSeconds,
                Stop: stop is null ? 0 : (@switch - stop.Value).TotalSeconds,
                Start: (health - @switch).TotalSeconds,
                FirstAnswer: (end - health).TotalSeconds,
                Other: (download - running).TotalSeconds));
        }

        return hosts;
    }

    public static async Task<AkdDeploy> RunAsync(LocalFleet cluster, string manifest, CancellationToken ct)
    {
        var result = await cluster.AkdctlAsync(Path.GetDirectoryName(manifest)!, TimeSpan.FromMinutes(10), "deploy", "-f", manifest, "--output", "json").ConfigureAwait(false);
        var events = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith('{')).Select(l => JsonParser.Default.Parse<DeploymentEvent>(l)).ToList();
        var final = events.LastOrDefault(e => e.Kind == EventKind.Deployment)?.State ?? "unknown";
        var deploy = new AkdDeploy(events.FirstOrDefault()?.DeploymentId ?? "", final, events);
        if (!deploy.Succeeded || result.ExitCode != 0)
        {
            throw new InvalidOperationException($"akdctl deploy ended {final} ({result}):\n{cluster.Logs()}");
        }

        return deploy;
    }

    private static bool IsStep(DeploymentEvent e, string step) => e.Kind == EventKind.Step && e.Step == step;

    private DateTimeOffset At(Func<DeploymentEvent, bool> match) =>
        (Events.FirstOrDefault(match) ?? throw new InvalidOperationException($"deployment {Id} lacks an expected event")).At.ToDateTimeOffset();
}
