using Akd.Testing;
using Akd.Contracts.V1;
using Google.Protobuf;

namespace Akd.Bench.Fleet;

/// <summary>
/// One <c>akdctl deploy --output json</c> and what its stored events say about time: the coordinator
/// stamps state changes, the agents stamp their phases (same machine, same clock).
/// </summary>
public sealed record AkdDeploy(string Id, DeploymentState State, IReadOnlyList<DeploymentEvent> Events)
{
    public bool Succeeded => State == DeploymentState.Succeeded;

    /// <summary>From the coordinator announcing delivery (the artifact is stored) to the deployment's end.</summary>
    public TimeSpan Delivery => At(e => e.DeploymentState == DeploymentState.Succeeded) - At(e => e.DeploymentState == DeploymentState.Delivering);

    /// <summary>The build step on the build agent: source in, mix, pack, upload.</summary>
    public TimeSpan Build => At(e => IsStep(e, StepKind.Build) && e.StepState == StepState.Succeeded) - At(e => IsStep(e, StepKind.Build) && e.StepState == StepState.Running);

    /// <summary>Time between two progress phases of the build step (e.g. "build" to "upload": the mix part).</summary>
    public TimeSpan BuildPhase(Phase from, Phase to) =>
        At(e => e.Step == StepKind.Build && e.Phase == to) - At(e => e.Step == StepKind.Build && e.Phase == from);

    public List<HostPhases> Hosts()
    {
        var hosts = new List<HostPhases>();
        foreach (var host in Events.Where(e => IsStep(e, StepKind.Activate)).Select(e => e.Host).Distinct())
        {
            var events = Events.Where(e => e.Host == host && e.Step == StepKind.Activate).ToList();
            DateTimeOffset? PhaseAt(Phase phase) => events.FirstOrDefault(e => e.Phase == phase)?.At.ToDateTimeOffset();
            var running = events.First(e => e.StepState == StepState.Running).At.ToDateTimeOffset();
            var end = events.Last(e => e.Kind == EventKind.Step).At.ToDateTimeOffset();
            var (download, unpack, stop, @switch, health) = (PhaseAt(Phase.Download)!.Value, PhaseAt(Phase.Unpack)!.Value, PhaseAt(Phase.Stop), PhaseAt(Phase.Switch)!.Value, PhaseAt(Phase.Health)!.Value);
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
        var events = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith('{')).Select(Parse).ToList();
        var final = events.LastOrDefault(e => e.Kind == EventKind.Deployment)?.DeploymentState ?? DeploymentState.Unspecified;
        var deploy = new AkdDeploy(events.FirstOrDefault()?.DeploymentId ?? "", final, events);
        if (!deploy.Succeeded || result.ExitCode != 0)
        {
            throw new InvalidOperationException($"akdctl deploy ended {final.Text()} ({result}):\n{cluster.Logs()}");
        }

        return deploy;
    }

    private static bool IsStep(DeploymentEvent e, StepKind step) => e.Kind == EventKind.Step && e.Step == step;

    /// <summary>One line of akdctl's JSON, which prints the vocabulary as text: the enums are read from it.</summary>
    private static DeploymentEvent Parse(string line)
    {
        var e = JsonParser.Default.Parse<DeploymentEvent>(line);
        WireVocabulary.Complete(e);
        return e;
    }

    private DateTimeOffset At(Func<DeploymentEvent, bool> match) =>
        (Events.FirstOrDefault(match) ?? throw new InvalidOperationException($"deployment {Id} lacks an expected event")).At.ToDateTimeOffset();
}
