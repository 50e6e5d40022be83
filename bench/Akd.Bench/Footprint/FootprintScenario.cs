using Akd.Bench.Infra;
using Akd.Testing;

namespace Akd.Bench.Footprint;

/// <summary>
/// Scenario 3: what one agent costs a host. Time from starting the agent process to its "Connected"
/// log line (the coordinator's welcome arrived), and its resident memory once it has sat idle for a while
/// (toolchain probe done, heartbeats flowing). The NativeAOT build is the one that ships; the
/// framework-dependent build is shown for comparison.
/// </summary>
public static class FootprintScenario
{
    public static async Task RunAsync(BenchContext ctx, CancellationToken ct)
    {
        var o = ctx.Options;
        var root = ctx.Work("footprint");
        using var coordinator = await TestCoordinator.StartAsync(ctx.Programs, Path.Combine(root, "coordinator"), ct).ConfigureAwait(false);
        var url = coordinator.Url;
        var admin = coordinator.Admin;

        var kinds = new List<(string Label, string Program)>();
        if (o.AgentBinary is { } native)
        {
            kinds.Add(("NativeAOT (`akd-agent`)", native));
        }

        kinds.Add(("framework-dependent (`dotnet akd-agent.dll`)", ctx.Programs.Agent));

        var section = ctx.Report.Section("3. Agent footprint");
        section.Text(
            $"A fresh agent process (new data dir) dials a running coordinator. *Connected*: from starting the process to its " +
            $"\"Connected to …\" log line, written when the coordinator's welcome arrives. *Idle RSS* and *idle CPU*: after " +
            $"{o.IdleWindow.TotalSeconds:0.#} s of sitting connected (toolchain probe finished, heartbeats flowing), VmRSS from " +
            "/proc, and CPU over the next window. The coordinator was warmed up by one agent first.");
        var table = section.Table("agent", "start → connected", "idle RSS", "idle CPU (one core)");

        var first = true;
        foreach (var (label, program) in kinds)
        {
            var connected = new Samples();
            var rss = new Samples();
            var cpu = new Samples();
            var programs = new AkdPrograms(o.RepoRoot, o.Configuration, program == ctx.Programs.Agent ? null : program);
            if (first)
            {
                await MeasureAsync(programs, admin, url, Path.Combine(root, "warm-up"), o.IdleWindow, ct).ConfigureAwait(false);
                first = false;
            }

            for (var rep = 1; rep <= o.Repetitions; rep++)
            {
                ctx.Log($"footprint: {label}, run {rep}/{o.Repetitions}");
                var (c, r, u) = await MeasureAsync(programs, admin, url, Path.Combine(root, $"agent-{kinds.IndexOf((label, program))}-{rep}"), o.IdleWindow, ct).ConfigureAwait(false);
                connected.Add(c.TotalMilliseconds);
                rss.Add(r);
                cpu.Add(u);
            }

            table.Row(label, connected.Format(Samples.Millis), rss.Format(Samples.MB), cpu.Format(Samples.Percent));
            if (label == kinds[0].Label)
            {
                var note = o.AgentBinary is null ? "measured on the framework-dependent build: publish NativeAOT (bench/run.sh does)" : "NativeAOT build";
                ctx.Report.Target("3 footprint", "agent idle RSS ≤ 30 MB", Samples.MB(rss.Median), rss.Median <= 30e6, note);
                ctx.Report.Target("3 footprint", "agent start → connected ≤ 300 ms", Samples.Millis(connected.Median), connected.Median <= 300, note);
            }
        }
    }

    private static async Task<(TimeSpan Connected, double Rss, double Cpu)> MeasureAsync(
        AkdPrograms programs, TestChannel admin, string url, string dataDir, TimeSpan idle, CancellationToken ct)
    {
        // Enrollment (a key, a CSR, one call) happens once per host, before the first connection: not measured.
        var name = $"footprint-{Guid.NewGuid().ToString("N")[..6]}";
        var join = await admin.JoinTokenAsync("role=footprint", name, ct: ct).ConfigureAwait(false);
        using (var enroll = programs.StartAgent(url, name, dataDir, join))
        {
            await enroll.WaitForLineAsync("Connected to ", TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        }

        using var agent = programs.StartAgent(url, name, dataDir);
        var connected = await agent.WaitForLineAsync("Connected to ", TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        await Task.Delay(idle, ct).ConfigureAwait(false);
        var rss = ProcStats.RssBytes(agent.Pid);
        var cpu = await ProcStats.CpuPercentAsync(agent.Pid, idle, ct).ConfigureAwait(false);
        return (connected, rss, cpu);
    }
}
