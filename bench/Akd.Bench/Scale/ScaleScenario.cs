using System.Diagnostics;
using Akd.Bench.Infra;
using Akd.Testing;
using Akd.Contracts.V1;
using Grpc.Net.Client;

namespace Akd.Bench.Scale;

/// <summary>
/// Scenario 4: one coordinator with many agent streams. A load generator in the bench process opens
/// them (fake agents speaking the real protocol), then the coordinator's RSS and CPU are read from /proc
/// while the fleet only sends heartbeats, a no-op command round (Admin.PingAgents) is timed, half the agents
/// drop their connections at once (a reconnect storm), and last the time from SIGTERM to the coordinator's exit
/// with every stream open. Then the same fleet on two replicas sharing PostgreSQL (<see cref="ScaleReplicas"/>).
/// </summary>
public static class ScaleScenario
{
    /// <summary>How long the bench waits for the coordinator to exit after SIGTERM before it calls the figure a failure.</summary>
    private static readonly TimeSpan ShutdownPatience = TimeSpan.FromSeconds(60);

    /// <summary>Issue 15's bound on a reconnect storm: all of 5,000 agents back (after a drop, or their replica's death).</summary>
    internal static readonly TimeSpan StormLimit = TimeSpan.FromSeconds(30);

    /// <summary>How long the bench waits for the agents of a reconnect storm before it calls the figure a failure.</summary>
    internal static readonly TimeSpan StormPatience = TimeSpan.FromSeconds(120);

    public static async Task RunAsync(BenchContext ctx, CancellationToken ct)
    {
        if (ctx.Options.ScaleParts.Contains("one"))
        {
            await RunOneAsync(ctx, ct).ConfigureAwait(false);
        }

        if (ctx.Options.ScaleParts.Contains("replicas"))
        {
            await ScaleReplicas.RunAsync(ctx, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The first part: one coordinator on SQLite.</summary>
    private static async Task RunOneAsync(BenchContext ctx, CancellationToken ct)
    {
        var o = ctx.Options;
        using var coordinator = await TestCoordinator.StartAsync(ctx.Programs, ctx.Work("scale-coordinator"), ct).ConfigureAwait(false);
        var url = coordinator.Url;
        var channel = coordinator.Admin;
        var startRss = ProcStats.RssBytes(coordinator.Process.Pid);

        ctx.Log($"scale: opening {o.FakeAgents} agent streams");
        await using var swarm = new FakeAgentSwarm();
        var cost = new ConnectCost([coordinator.Process.Pid], o.FakeAgents);
        var connect = await swarm.ConnectAsync(url, _ => url, channel, coordinator.CaFile, o.FakeAgents, TimeSpan.FromMinutes(5), ct, () =>
            {
                ctx.Log("scale: agents enrolled; connecting");
                cost.Start();
            }).ConfigureAwait(false);
        cost.Stop();
        ctx.Log($"scale: {o.FakeAgents} streams open in {connect.TotalSeconds:0.0} s; CPU time per connection, coordinator / load generator: {cost}");
        // Let the connection burst settle (and the JIT finish compiling what it made hot) before measuring idle.
        await Task.Delay(TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);

        var idleRss = new Samples();
        var idleCpu = new Samples();
        for (var rep = 1; rep <= o.Repetitions; rep++)
        {
            ctx.Log($"scale: idle window {rep}/{o.Repetitions}");
            idleCpu.Add(await ProcStats.CpuPercentAsync(coordinator.Process.Pid, o.IdleWindow, ct).ConfigureAwait(false));
            idleRss.Add(ProcStats.RssBytes(coordinator.Process.Pid));
        }

        var admin = new Admin.AdminClient(channel.Invoker);
        var request = new PingAgentsRequest { Selector = "role=fake", TimeoutMs = 30_000 };
        await admin.PingAgentsAsync(request, cancellationToken: ct).ResponseAsync.ConfigureAwait(false); // warm-up: JIT of the round's path

        var round = new Samples();
        var roundServer = new Samples();
        var answered = new Samples();
        // Both processes share the cores: what each spends in a round says whose cost the round's time is.
        var roundCpu = new Samples();
        var generatorCpu = new Samples();
        for (var rep = 1; rep <= o.Repetitions; rep++)
        {
            var (coordinatorBefore, generatorBefore) = (ProcStats.CpuTime(coordinator.Process.Pid), ProcStats.CpuTime(Environment.ProcessId));
            var watch = Stopwatch.StartNew();
            var reply = await admin.PingAgentsAsync(request, cancellationToken: ct).ResponseAsync.ConfigureAwait(false);
            round.Add(watch.Elapsed.TotalMilliseconds);
            roundCpu.Add((ProcStats.CpuTime(coordinator.Process.Pid) - coordinatorBefore).TotalMilliseconds);
            generatorCpu.Add((ProcStats.CpuTime(Environment.ProcessId) - generatorBefore).TotalMilliseconds);
            roundServer.Add(reply.ElapsedMs);
            answered.Add(reply.Answered);
            ctx.Log($"scale: ping round {rep}/{o.Repetitions}: {round.Last:0} ms (coordinator {reply.ElapsedMs:0} ms); CPU coordinator " +
                $"{roundCpu.Last:0} ms, load generator {generatorCpu.Last:0} ms");
            if (reply.Answered != o.FakeAgents)
            {
                throw new InvalidOperationException($"only {reply.Answered} of {reply.Agents} agents answered: {string.Join("; ", reply.Failures)}");
            }
        }

        var afterRss = ProcStats.RssBytes(coordinator.Process.Pid);

        ctx.Log($"scale: reconnect storm, {o.FakeAgents / 2} agents at once");
        var mark = swarm.Now;
        TimeSpan storm;
        try
        {
            storm = await swarm.StormAsync(Enumerable.Range(0, o.FakeAgents / 2).ToList(), StormPatience, ct).ConfigureAwait(false);
        }
        finally
        {
            ctx.Log($"scale: storm: {swarm.AttemptsSince(mark, ctx.Work("storm-attempts.csv"))}");
        }

        // Last, as it ends the coordinator: SIGTERM (as systemd stops it) with every stream still open.
        ctx.Log($"scale: SIGTERM with {o.FakeAgents} agents connected");
        var shutdown = await ProcessExit.TerminateAndTimeAsync(coordinator.Process.Pid, ShutdownPatience).ConfigureAwait(false);
        if (shutdown is not null)
        {
            // Untimed: its output read to the end before the log is written (one that never stopped is killed when disposed).
            await coordinator.Process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        // The evidence of where the stop's time went: what the coordinator printed, each line with its time.
        await File.WriteAllTextAsync(ctx.Work("scale-coordinator.log"), coordinator.Process.TimedOutput, CancellationToken.None).ConfigureAwait(false);
        Report(ctx, startRss, connect, cost, idleRss, idleCpu, round, roundServer, (roundCpu, generatorCpu), afterRss, storm, shutdown);
        // This fleet's connections close before the replicas' are opened: one load generator at a time.
        await swarm.DisposeAsync().ConfigureAwait(false);
    }


    /// <param name="shutdown">SIGTERM to exit; null when it had not exited after <see cref="ShutdownPatience"/>.</param>
    private static void Report(
        BenchContext ctx, long startRss, TimeSpan connect, ConnectCost cost, Samples idleRss, Samples idleCpu, Samples round, Samples roundServer,
        (Samples Coordinator, Samples Generator) roundCpu, long afterRss, TimeSpan storm,
        TimeSpan? shutdown)
    {
        var o = ctx.Options;
        var section = ctx.Report.Section($"4. Coordinator at scale: {o.FakeAgents} agent streams");
        section.Text(
            $"A load generator in the bench process opens {o.FakeAgents} fake agents, each on its own HTTP/2 connection, speaking the " +
            "real protocol (AgentHub.Connect: hello, heartbeats every 5 s as the coordinator's welcome asks, a result for each step) " +
            "over mutual TLS. Their HTTP/2 is a minimal client of the bench's own (Scale/LeanAgentCall.cs: one call per connection, " +
            "the same frames an agent sends), because it shares the coordinator's cores: through Grpc.Net.Client, as the real agent, " +
            "the load generator used more CPU in a round than the coordinator (1.3–1.5 s at 10,000 agents, now ~0.6 s). " +
            "The round: `Admin.PingAgents` (proto/akd/v1/admin.proto) sends a no-op `PingStep` down every stream and returns when " +
            "every agent's result is back; timed by the caller and by the coordinator. RSS and CPU are the coordinator process's (/proc). " +
            "The storm: half the agents drop their connections at once and reconnect as real agents do (jittered backoff from 200 ms), " +
            "timed until the coordinator welcomed every one of them again. " +
            "Last, the coordinator gets SIGTERM with every stream still open (as systemd stops it), timed from the signal to the process's exit, once.");
        var table = section.Table("measure", "value");
        table.Row("coordinator RSS before any agent", Samples.MB(startRss));
        table.Row($"time to open {o.FakeAgents} streams (all welcomed)", Samples.Seconds(connect.TotalSeconds));
        table.Row("CPU time per connection while they open (TLS handshake, hello, welcome): coordinator / load generator", cost.ToString());
        table.Row("coordinator RSS, idle with heartbeats", idleRss.Format(Samples.MB));
        table.Row($"coordinator CPU, idle with heartbeats (one core, {o.IdleWindow.TotalSeconds:0.#} s windows)", idleCpu.Format(Samples.Percent));
        table.Row($"no-op round to all {o.FakeAgents}, caller's view", round.Format(Samples.Millis));
        table.Row($"no-op round to all {o.FakeAgents}, coordinator's view", roundServer.Format(Samples.Millis));
        table.Row("CPU time used during one round: coordinator", roundCpu.Coordinator.Format(Samples.Millis));
        table.Row("CPU time used during one round: load generator (the fake agents, this process)", roundCpu.Generator.Format(Samples.Millis));
        table.Row("coordinator RSS after the rounds", Samples.MB(afterRss));
        table.Row($"reconnect storm: {o.FakeAgents / 2} agents at once, until all are back", Samples.Seconds(storm.TotalSeconds));
        var stopped = shutdown is { } took ? Samples.Seconds(took.TotalSeconds) : $"still running after {ShutdownPatience.TotalSeconds:0} s";
        table.Row($"SIGTERM → exit with {o.FakeAgents} agents connected", stopped);

        var peak = Math.Max(idleRss.Max, afterRss);
        // Issue 11 asked 1,000 agents in 400 MB and a round in 2 s; issue 15 asks 10,000 in 1.5 GB and a round in 1 s.
        var (rssLimit, roundLimit) = o.FakeAgents <= 1000 ? (400e6, 2000.0) : (1.5e9, 1000.0);
        ctx.Report.Target("4 scale", $"coordinator RSS ≤ {Samples.MB(rssLimit)} with {o.FakeAgents} agents", Samples.MB(peak), peak <= rssLimit, "highest sample");
        ctx.Report.Target("4 scale", $"no-op round to {o.FakeAgents} agents ≤ {roundLimit / 1000:0.#} s", Samples.Millis(round.Median), round.Median <= roundLimit, "caller's view, median");
        ctx.Report.Target("4 scale", $"reconnect storm of {o.FakeAgents / 2} agents: all back ≤ 30 s", Samples.Seconds(storm.TotalSeconds), storm <= StormLimit, "once");
        ctx.Report.Target("4 scale", $"SIGTERM → exit < 5 s with {o.FakeAgents} agents connected", stopped, shutdown < TimeSpan.FromSeconds(5), "one stop");
    }
}
