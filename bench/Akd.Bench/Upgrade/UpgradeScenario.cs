using System.Globalization;
using Akd.Bench.Fleet;
using Akd.Bench.Infra;
using Akd.Contracts.V1;
using Akd.Testing;

namespace Akd.Bench.Upgrade;

/// <summary>
/// Scenario "upgrade": examples/counter on every host, each under a constant request stream (GET / every
/// 10 ms), moved to a new version all hosts at once, in turn with <c>deploy.upgrade: restart</c>, <c>restart</c> with
/// <c>deploy.start_overlap: shared_port</c>, and <c>hot</c>. Reported: fleet time, each host's step, each host's unavailability window and failed requests.
/// </summary>
public static class UpgradeScenario
{
    /// <summary>The restart runs whose manifest sets <c>deploy.start_overlap: shared_port</c>.</summary>
    private const string Overlap = "restart, shared_port";

    public static async Task RunAsync(BenchContext ctx, CancellationToken ct)
    {
        var o = ctx.Options;
        var cluster = await ctx.FleetAsync(ct).ConfigureAwait(false);
        var app = CounterSource.CopyFrom(Path.Combine(ctx.Options.RepoRoot, "examples", "counter"), ctx.Work("upgrade-src"));
        var manifests = new Dictionary<string, string>
        {
            ["restart"] = app.WriteManifest("akd.restart.yaml", "restart", o.Hosts),
            [Overlap] = app.WriteManifest("akd.overlap.yaml", "restart", o.Hosts, startOverlap: "shared_port"),
            ["hot"] = app.WriteManifest("akd.hot.yaml", "hot", o.Hosts),
        };

        // The fleet scenario leaves hello running on the same PORT of each host. `akdctl stop hello` would reach only the
        // hosts of hello's last deploy (the rebuild scenario's, one host), so the bench stops every host's apps itself.
        foreach (var host in cluster.Web)
        {
            ReleaseProcesses.StopAll(host.DataDir);
        }

        ctx.Log("upgrade: warm-up deploy of counter 0.1.0, then 0.2.0 (its code_change/3 migrates the count)");
        await AkdDeploy.RunAsync(cluster, manifests["restart"], ct).ConfigureAwait(false);
        app.UseVersion2();
        app.SetVersion(2);
        await AkdDeploy.RunAsync(cluster, manifests["restart"], ct).ConfigureAwait(false);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var runs = manifests.Keys.ToDictionary(m => m, _ => new ModeRuns());
        var version = 2;
        for (var rep = 1; rep <= o.Repetitions; rep++)
        {
            foreach (var mode in manifests.Keys)
            {
                app.SetVersion(++version);
                ctx.Log($"upgrade: run {rep}/{o.Repetitions}, {mode} to 0.{version}.0 under {o.Hosts} request streams");
                var pollers = cluster.Web.Select(w => (w.Name, Poller: new HostPoller(http, w.Port))).ToList();
                var deploy = await AkdDeploy.RunAsync(cluster, manifests[mode], ct).ConfigureAwait(false);
                var run = runs[mode];
                run.Fleet.Add(deploy.Delivery.TotalSeconds);
                foreach (var (name, poller) in pollers)
                {
                    var (failed, _, window) = await poller.StopAsync().ConfigureAwait(false);
                    await poller.DisposeAsync().ConfigureAwait(false);
                    run.Window.Add(window);
                    run.Failed += failed;
                    run.HostStep.Add(StepSeconds(deploy, name));
                }

                if (mode == "hot" && !deploy.Events.Any(e => e.Message.Contains("hot-upgraded", StringComparison.Ordinal)))
                {
                    throw new InvalidOperationException($"deployment {deploy.Id} did not upgrade hot:\n{string.Join("\n", deploy.Events.Select(e => e.Message))}");
                }
            }
        }

        Report(ctx, runs);
    }

    private static double StepSeconds(AkdDeploy deploy, string host)
    {
        var steps = deploy.Events.Where(e => e.Kind == EventKind.Step && e.Step == StepKind.Activate && e.Host == host).ToList();
        return (steps.Last().At.ToDateTimeOffset() - steps.First(e => e.StepState == StepState.Running).At.ToDateTimeOffset()).TotalSeconds;
    }

    private static void Report(BenchContext ctx, Dictionary<string, ModeRuns> runs)
    {
        var o = ctx.Options;
        var section = ctx.Report.Section($"6. Upgrade: examples/counter on {o.Hosts} hosts, restart vs hot");
        section.Text(
            "Every host runs examples/counter and gets `GET /` every 10 ms from its own client during the whole deploy " +
            "(build included). Each run moves all hosts at once (`rolling: { batch: all }`) to a new version, in turn " +
            "with `deploy.upgrade: restart` (SIGTERM to the old VM, boot the new release once it exited), `restart` with " +
            "`deploy.start_overlap: shared_port` (counter binds its port with SO_REUSEPORT; the new VM boots under the other node name " +
            "and listens beside the old one, which gets SIGTERM once the new one passed its health check) and `hot` (relup applied by release_handler in the running VM). *fleet time*: delivery to the deployment's end, from its stored events; " +
            "*host step*: one host's activate step; *unavailability*: per host, the longest time from the last good answer " +
            "before a failed request to the first good answer after it (0 when none failed); *failed requests*: all hosts, all runs.");
        var table = section.Table("upgrade", "fleet time", "host step, median (max)", "unavailability per host, median", "max", "failed requests");
        foreach (var (mode, run) in runs)
        {
            table.Row(mode, run.Fleet.Format(Samples.Seconds), $"{Samples.Seconds(run.HostStep.Median)} ({Samples.Seconds(run.HostStep.Max)})",
                Samples.Millis(1000 * run.Window.Median), Samples.Millis(1000 * run.Window.Max), run.Failed.ToString(CultureInfo.InvariantCulture));
        }

        var (hot, restart, overlap) = (runs["hot"], runs["restart"], runs[Overlap]);
        ctx.Report.Target("6 upgrade", "hot: 0 failed requests", $"{hot.Failed}", hot.Failed == 0);
        var ratio = hot.HostStep.Median / restart.HostStep.Median;
        ctx.Report.Target("6 upgrade", "hot: host step ≤ 0.3× restart", Samples.Ratio(ratio), ratio <= 0.3,
            $"{Samples.Seconds(hot.HostStep.Median)} vs {Samples.Seconds(restart.HostStep.Median)}");
        ctx.Report.Target("6 upgrade", "restart: unavailability ≤ 0.8 s median per host", Samples.Millis(1000 * restart.Window.Median), restart.Window.Median <= 0.8);
        ctx.Report.Target("6 upgrade", "restart with start_overlap: shared_port: unavailability ≤ 0.8 s median per host", Samples.Millis(1000 * overlap.Window.Median),
            overlap.Window.Median <= 0.8);
    }

    private sealed class ModeRuns
    {
        public Samples Fleet { get; } = new();

        public Samples HostStep { get; } = new();

        public Samples Window { get; } = new();

        public int Failed { get; set; }
    }
}
