using System.Globalization;
using System.Security.Cryptography;
using Akd.Bench.Fleet;
using Akd.Bench.Infra;
using Akd.Contracts.V1;
using Akd.Testing;

namespace Akd.Bench.FanOut;

/// <summary>
/// Scenario "fan-out": one big release (examples/hello with a random payload in priv/) delivered to N targets at once,
/// star (every target downloads from the coordinator) versus peer-to-peer (targets with --peer-port): the coordinator's
/// egress for the release and the time until every target holds the verified file, as ratios to one target's download.
/// </summary>
public static class FanOutScenario
{
    public static async Task RunAsync(BenchContext ctx, CancellationToken ct)
    {
        var o = ctx.Options;
        var max = o.FanOutSizes.Max();
        ctx.Log($"fan-out: a coordinator, a build agent, {max} star and {max} peer targets");
        await using var fleet = await LocalFleet.StartAsync(new FleetOptions
        {
            Root = ctx.Work("fanout-cluster"),
            WebAgents = 0,
            BuildAgent = "fan-build",
            BuildLabels = "role=fan-build",
            Programs = ctx.Programs,
        }, ct).ConfigureAwait(false);
        foreach (var mode in new[] { "star", "peer" })
        {
            for (var i = 1; i <= max; i++)
            {
                // A label per fleet size the agent belongs to: selectors match labels exactly.
                var sizes = string.Concat(o.FanOutSizes.Where(n => i <= n).Select(n => $",n{n}=yes"));
                // Star targets do not prefetch during the build (cut-through), so both ways download the stored release.
                var env = mode == "peer"
                    ? new Dictionary<string, string> { ["AKD_Agent__PeerPort"] = Ports.Free().ToString(CultureInfo.InvariantCulture) }
                    : new Dictionary<string, string> { ["AKD_Agent__Prefetch"] = "false" };
                await fleet.AddWebAgentAsync($"{mode}-{i}", $"role=fan-{mode},n1={(i == 1 ? "yes" : "no")}{sizes}", env, ct).ConfigureAwait(false);
            }
        }

        var app = HelloSource.CopyFrom(ctx.HelloExample, ctx.Work("fanout-src"));
        Directory.CreateDirectory(Path.Combine(app.Dir, "priv"));
        await File.WriteAllBytesAsync(Path.Combine(app.Dir, "priv", "payload.bin"), RandomNumberGenerator.GetBytes((int)o.FanOutBytes), ct).ConfigureAwait(false);
        using var metrics = new CoordinatorScrape(fleet);

        var single = new Samples();
        var results = new Dictionary<(string Mode, int N), (Samples Egress, Samples Time)>();
        for (var rep = 1; rep <= o.Repetitions; rep++)
        {
            ctx.Log($"fan-out: run {rep}/{o.Repetitions}: one target (the baseline)");
            var one = await DeliverAsync(ctx, fleet, app, metrics, "star", 1, ct).ConfigureAwait(false);
            single.Add(one.Time);
            foreach (var n in o.FanOutSizes)
            {
                foreach (var mode in new[] { "star", "peer" })
                {
                    ctx.Log($"fan-out: run {rep}/{o.Repetitions}: {n} targets, {mode}");
                    var run = await DeliverAsync(ctx, fleet, app, metrics, mode, n, ct).ConfigureAwait(false);
                    if (!results.TryGetValue((mode, n), out var samples))
                    {
                        results[(mode, n)] = samples = (new Samples(), new Samples());
                    }

                    samples.Egress.Add(run.EgressRatio);
                    samples.Time.Add(run.Time);
                }
            }
        }

        var section = ctx.Report.Section($"7. Fan-out: a {Samples.MiB(o.FanOutBytes)} release to N targets at once, star vs peer-to-peer");
        section.Text(
            "examples/hello with a random payload in priv/ (the release tarball is a little larger than the payload), deployed with " +
            "`rolling: { batch: all }`. *Star*: targets without a peer port download from the coordinator (with `Agent:Prefetch` off, so they do not fetch it during the build). *Peer*: targets with " +
            "`--peer-port` fetch 4 MiB pieces from each other, the coordinator sending each piece about once. *Egress*: the " +
            "coordinator's `akd_artifact_bytes_total{direction=\"out\"}` during the deploy minus the build agent's source download, " +
            "over the artifact's size. *Fleet time*: from the first target starting its download to the last holding the verified " +
            "file (the deployment's stored download and unpack phases), over one target's download alone (star, N = 1). " +
            "Every target runs on this one machine: N targets' downloads (TLS, SHA-256 and disk, in both modes) share its cores, " +
            "so fleet time grows with N here whatever the delivery; the fleet-time target assumes targets on machines of their own.");
        var table = section.Table("N", "way", "coordinator egress (× artifact)", "fleet time", "vs one target's download");
        foreach (var n in o.FanOutSizes)
        {
            foreach (var mode in new[] { "star", "peer" })
            {
                var (egress, time) = results[(mode, n)];
                table.Row($"{n}", mode, $"{egress.Median:0.00}×", time.Format(Samples.Seconds), Samples.Ratio(time.Median / single.Median));
            }
        }

        var largest = o.FanOutSizes.Max();
        var (peerEgress, peerTime) = results[("peer", largest)];
        ctx.Report.Target("7 fan-out", $"peer mode: coordinator egress ≤ 1.2× the artifact at N = {largest}", $"{peerEgress.Median:0.00}×", peerEgress.Median <= 1.2, "");
        ctx.Report.Target("7 fan-out", $"peer mode: fleet time ≤ 2× one download at N = {largest}", Samples.Ratio(peerTime.Median / single.Median),
            peerTime.Median / single.Median <= 2, $"{peerTime.Median:0.0} s vs {single.Median:0.0} s");
    }

    private static async Task<(double EgressRatio, double Time)> DeliverAsync(
        BenchContext ctx, LocalFleet fleet, HelloSource app, CoordinatorScrape metrics, string mode, int n, CancellationToken ct)
    {
        fleet.ClearArtifactCaches();
        // One kept release per host: 40 hosts keeping three releases of ~280 MiB each, plus every run's artifact, filled
        // a 90 GB disk in the fifth repetition.
        var manifest = app.WriteManifest($"akd.fanout-{mode}-{n}.yaml", batch: n, targets: $"role: fan-{mode}, n{n}: \"yes\"", keepReleases: 1);
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("on: { role: bench-build }", "on: { role: fan-build }", StringComparison.Ordinal));
        var before = await metrics.BytesOutAsync(ct).ConfigureAwait(false);
        var deploy = await AkdDeploy.RunAsync(fleet, manifest, ct).ConfigureAwait(false);
        var after = await metrics.BytesOutAsync(ct).ConfigureAwait(false);
        var record = await new Control.ControlClient(fleet.Coordinator.Admin.Invoker)
            .GetDeploymentAsync(new GetDeploymentRequest { Id = deploy.Id }, cancellationToken: ct).ConfigureAwait(false);
        long SizeOf(string sha) => new FileInfo(Path.Combine(fleet.Coordinator.DataDir, "artifacts", "sha256", sha[..2], sha)).Length;
        var artifact = SizeOf(record.ArtifactSha256);
        var egress = after - before - SizeOf(record.SourceSha256);

        var downloads = deploy.Events.Where(e => e.Step == StepKind.Activate && e.Phase == Phase.Download).Select(e => e.At.ToDateTimeOffset()).ToList();
        var held = deploy.Events.Where(e => e.Step == StepKind.Activate && e.Phase == Phase.Unpack).Select(e => e.At.ToDateTimeOffset()).ToList();
        var time = (held.Max() - downloads.Min()).TotalSeconds;
        ctx.Log($"fan-out: {n} {mode}: egress {egress / (double)artifact:0.00}× of {Samples.MiB(artifact)}, every target held it after {time:0.0} s");
        return (egress / (double)artifact, time);
    }
}
