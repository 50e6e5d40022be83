using Akd.Bench.Infra;
using Akd.Testing;

namespace Akd.Bench.Fleet;

/// <summary>
/// Scenario 1: deploy the built examples/hello release to N hosts with Akd (at every batch size), with
/// the SSH way (host after host, and all at once) and with the floor (the bare per-host steps, locally,
/// as many at once as Akd's batch). Variants are interleaved in every repetition, so a busy moment of a
/// shared machine slows all of them rather than one.
/// </summary>
public static class FleetScenario
{
    public static async Task RunAsync(BenchContext ctx, CancellationToken ct)
    {
        var o = ctx.Options;
        var batches = o.EffectiveBatchSizes;
        var cluster = await ctx.FleetAsync(ct).ConfigureAwait(false);
        var app = HelloSource.CopyFrom(ctx.HelloExample, ctx.Work("fleet-src"));
        var manifests = batches.ToDictionary(b => b, b => app.WriteManifest($"akd.batch{b}.yaml", b));

        ctx.Log("fleet: warm-up deploy with Akd (every host gets a running release; the build workspace fills)");
        var warmUp = await AkdDeploy.RunAsync(cluster, manifests[o.Hosts], ct).ConfigureAwait(false);

        // The baselines ship the very tarball Akd built (the release mix assembled, packed by the build agent).
        ctx.Log("fleet: starting the baselines' hosts");
        var tarball = ctx.Work("hello.tar.gz");
        File.Copy(await cluster.ArtifactPathAsync(warmUp.Id, ct).ConfigureAwait(false), tarball);
        using var shell = new ShellHosts(ctx.ShellDir, ctx.Work("shell-hosts"), o.Hosts);
        await shell.FloorAsync(o.Hosts, tarball, ct).ConfigureAwait(false);
        await using var ssh = o.Ssh && SshServer.IsInstalled ? await SshServer.StartAsync(ctx.ShellDir, ctx.Work("sshd"), ct).ConfigureAwait(false) : null;

        var floor = batches.ToDictionary(b => b, _ => new FleetRuns());
        var akd = batches.ToDictionary(b => b, _ => new FleetRuns());
        var sshSeq = new FleetRuns();
        var sshParallel = new FleetRuns();
        for (var rep = 1; rep <= o.Repetitions; rep++)
        {
            foreach (var b in batches)
            {
                ctx.Log($"fleet: run {rep}/{o.Repetitions}, {b} at once: floor, then Akd");
                floor[b].Add(await shell.FloorAsync(b, tarball, ct).ConfigureAwait(false));
                cluster.ClearArtifactCaches();
                var cpu = WebAgentsCpu(cluster);
                var deploy = await AkdDeploy.RunAsync(cluster, manifests[b], ct).ConfigureAwait(false);
                akd[b].Add((deploy.Delivery, deploy.Hosts()));
                akd[b].AgentCpuPerHost.Add((WebAgentsCpu(cluster) - cpu).TotalMilliseconds / o.Hosts);
            }

            if (ssh is not null)
            {
                ctx.Log($"fleet: run {rep}/{o.Repetitions}: the SSH way, host after host, then all at once");
                sshSeq.Add(await shell.SshAsync(ssh, parallel: false, tarball, ct).ConfigureAwait(false));
                sshParallel.Add(await shell.SshAsync(ssh, parallel: true, tarball, ct).ConfigureAwait(false));
            }
        }

        Report(ctx, batches, floor, akd, ssh is null ? null : (sshSeq, sshParallel));
    }

    private static void Report(
        BenchContext ctx, IReadOnlyList<int> batches, Dictionary<int, FleetRuns> floor, Dictionary<int, FleetRuns> akd,
        (FleetRuns Seq, FleetRuns Parallel)? ssh)
    {
        var o = ctx.Options;
        var section = ctx.Report.Section($"1. Fleet deploy: examples/hello to {o.Hosts} hosts");
        section.Text(
            "Each run moves every host from the release it runs to a new one: transfer the tarball (not for the floor), unpack it " +
            "into `releases/ID`, stop the old VM and wait until its process is gone, switch `current`, start the new release, " +
            "wait for its first HTTP answer on `/health` (polled every 50 ms by all three: the bench manifest sets " +
            "`health.interval: 50ms`), and remove all but the 3 newest releases (Akd's `keep_releases: 3`, capistrano's cleanup).");
        section.Text(
            "**Akd**: from the coordinator announcing delivery (the artifact is stored) to the deployment's end, read from its " +
            "stored events; the build before it is not counted (scenario 5 measures builds). **SSH way** " +
            "(bench/shell/ssh-deploy.sh): per host, `scp` of the tarball, then one `ssh` that runs the per-host steps " +
            "(bench/shell/activate.sh), through a throwaway sshd on 127.0.0.1. **Floor** (bench/shell/floor.sh): the same " +
            "per-host steps run locally by a shell loop, as many hosts at once as the Akd batch: no deployer, no network.");
        section.Text(
            "Per-host columns are medians over every host of every run. *first answer* runs from `bin/hello daemon` returning " +
            "to the end of the host's step (health polls, then recording and pruning); *other* is Akd's dispatch (coordinator " +
            "to agent, manifest parsing).");

        var table = section.Table(["way", "hosts at once", "fleet time", "vs floor, same width", .. HostPhases.Names.Select(n => n + " (per host)")]);
        foreach (var b in batches)
        {
            table.Row(["floor", $"{b}", floor[b].Wall.Format(Samples.Seconds), "1.00×", .. floor[b].PhaseCells()]);
            table.Row(["**Akd**", $"{b}", akd[b].Wall.Format(Samples.Seconds), Samples.Ratio(akd[b].Wall.Median / floor[b].Wall.Median), .. akd[b].PhaseCells()]);
        }

        if (ssh is { } s)
        {
            table.Row(["SSH, host after host", "1", s.Seq.Wall.Format(Samples.Seconds), Samples.Ratio(s.Seq.Wall.Median / floor[1].Wall.Median), .. s.Seq.PhaseCells()]);
            table.Row(["SSH, all at once", $"{o.Hosts}", s.Parallel.Wall.Format(Samples.Seconds), Samples.Ratio(s.Parallel.Wall.Median / floor[o.Hosts].Wall.Median), .. s.Parallel.PhaseCells()]);
        }

        section.Text("The agents' own CPU per host and deploy (their processes only, not the VMs and scripts they run; " +
            "includes their heartbeats during the build): " +
            string.Join(", ", batches.Select(b => $"batch {b}: {akd[b].AgentCpuPerHost.Format(Samples.Millis)}")) + ".");

        var fastest = batches.MinBy(b => akd[b].Wall.Median);
        section.Text($"Fastest Akd batch size on this machine: **{fastest}** ({Samples.Seconds(akd[fastest].Wall.Median)} for {o.Hosts} hosts).");

        foreach (var b in batches)
        {
            var ratio = akd[b].Wall.Median / floor[b].Wall.Median;
            ctx.Report.Target("1 fleet", $"Akd ≤ 1.1× floor, {b} at once", Samples.Ratio(ratio), ratio <= 1.1,
                $"{Samples.Seconds(akd[b].Wall.Median)} vs {Samples.Seconds(floor[b].Wall.Median)}");
        }

        if (ssh is { } t)
        {
            var seq = akd[1].Wall.Median / t.Seq.Wall.Median;
            ctx.Report.Target("1 fleet", "Akd faster than SSH host after host (batch 1)", Samples.Ratio(seq), seq < 1,
                $"{Samples.Seconds(akd[1].Wall.Median)} vs {Samples.Seconds(t.Seq.Wall.Median)}");
            var all = akd[o.Hosts].Wall.Median / t.Parallel.Wall.Median;
            ctx.Report.Target("1 fleet", "Akd faster than SSH all at once (batch all)", Samples.Ratio(all), all < 1,
                $"{Samples.Seconds(akd[o.Hosts].Wall.Median)} vs {Samples.Seconds(t.Parallel.Wall.Median)}");
        }
        else
        {
            ctx.Report.Target("1 fleet", "Akd faster than the SSH way", "not measured", false, "sshd is not installed (bench/run.sh installs openssh-server)");
        }
    }

    /// <summary>The runs of one variant: fleet wall time and every host's phases.</summary>
    private sealed class FleetRuns
    {
        public Samples Wall { get; } = new();

        public Samples AgentCpuPerHost { get; } = new();

        private List<HostPhases> Hosts { get; } = [];

        public void Add((TimeSpan Wall, List<HostPhases> Hosts) run)
        {
            Wall.Add(run.Wall.TotalSeconds);
            Hosts.AddRange(run.Hosts);
        }

        public string[] PhaseCells() =>
            Enumerable.Range(0, HostPhases.Names.Length)
                .Select(i => Samples.Millis(1000 * new Samples(Hosts.Select(h => h.Values[i])).Median)).ToArray();
    }

    /// <summary>CPU the web agents' own processes have used so far (not the apps they run).</summary>
    private static TimeSpan WebAgentsCpu(LocalFleet fleet) =>
        fleet.Web.Aggregate(TimeSpan.Zero, (sum, web) => sum + ProcStats.CpuTime(fleet.Agents[web.Name].Pid));
}
