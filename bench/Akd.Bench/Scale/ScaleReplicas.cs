using System.Diagnostics;
using Akd.Bench.Infra;
using Akd.Contracts.V1;
using Akd.Testing;

namespace Akd.Bench.Scale;

/// <summary>
/// Scenario 4, second part: the same fake fleet split over two coordinators (replicas a and b, each with a data dir
/// of its own) on one throwaway PostgreSQL. A no-op round issued on a reaches every agent (b's through the routed
/// messages table); then b is killed (SIGKILL) and its agents, which name both replicas, are timed until a welcomed
/// every one of them.
/// </summary>
internal static class ScaleReplicas
{
    public static async Task RunAsync(BenchContext ctx, CancellationToken ct)
    {
        var o = ctx.Options;
        var section = ctx.Report.Section($"4b. Two replicas on PostgreSQL: {o.FakeAgents} agent streams split across them");
        if (PostgresServer.NotInstalled is { } why)
        {
            section.Text($"Not measured: {why} (bench/run.sh installs it).");
            return;
        }

        await using var postgres = await PostgresServer.StartAsync(ct).ConfigureAwait(false);
        var database = postgres.ConnectionString(await postgres.CreateDatabaseAsync(ct).ConfigureAwait(false));
        using var a = await TestCoordinator.StartAsync(ctx.Programs, ctx.Work("scale-replica-a"), ct, args: ["--postgres", database, "--replica-id", "a"]).ConfigureAwait(false);
        using var b = await TestCoordinator.StartAsync(
            ctx.Programs, ctx.Work("scale-replica-b"), ct, args: ["--postgres", database, "--replica-id", "b"], writesAdminToken: false).ConfigureAwait(false);

        // Even agents on a, odd ones on b; each names both, its own first, as --coordinator a,b does.
        ctx.Log($"scale: {o.FakeAgents} agent streams over two replicas");
        await using var swarm = new FakeAgentSwarm();
        var cost = new ConnectCost([a.Process.Pid, b.Process.Pid], o.FakeAgents);
        var connect = await swarm.ConnectAsync(a.Url, i => i % 2 == 0 ? $"{a.Url},{b.Url}" : $"{b.Url},{a.Url}", a.Admin, a.CaFile, o.FakeAgents,
            TimeSpan.FromMinutes(5), ct, () =>
            {
                ctx.Log("scale: agents enrolled; connecting");
                cost.Start();
            }).ConfigureAwait(false);
        cost.Stop();
        ctx.Log($"scale: {o.FakeAgents} streams open over two replicas in {connect.TotalSeconds:0.0} s; CPU time per connection, replicas / load generator: {cost}");
        await Task.Delay(TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);

        var admin = new Admin.AdminClient(a.Admin.Invoker);
        var request = new PingAgentsRequest { Selector = "role=fake", TimeoutMs = 30_000 };
        await admin.PingAgentsAsync(request, cancellationToken: ct).ResponseAsync.ConfigureAwait(false); // warm-up
        var round = new Samples();
        for (var rep = 1; rep <= o.Repetitions; rep++)
        {
            ctx.Log($"scale: ping round on replica a {rep}/{o.Repetitions}");
            var watch = Stopwatch.StartNew();
            var reply = await admin.PingAgentsAsync(request, cancellationToken: ct).ResponseAsync.ConfigureAwait(false);
            round.Add(watch.Elapsed.TotalMilliseconds);
            if (reply.Answered != o.FakeAgents)
            {
                throw new InvalidOperationException($"only {reply.Answered} of {reply.Agents} agents answered: {string.Join("; ", reply.Failures.Take(5))}");
            }
        }

        var (rssA, rssB) = (ProcStats.RssBytes(a.Process.Pid), ProcStats.RssBytes(b.Process.Pid));

        ctx.Log("scale: SIGKILL of replica b");
        var onB = Enumerable.Range(0, o.FakeAgents).Where(i => i % 2 == 1).ToList();
        var before = swarm.WelcomesOf(onB);
        var mark = swarm.Now;
        var killed = Stopwatch.StartNew();
        b.Process.Kill();
        TimeSpan failover;
        try
        {
            failover = await swarm.WaitWelcomedAgainAsync(onB, before, killed, ScaleScenario.StormPatience, ct).ConfigureAwait(false);
        }
        finally
        {
            // The evidence of where the time went: every agent's attempts, and what replica a printed meanwhile.
            ctx.Log($"scale: failover: {swarm.AttemptsSince(mark, ctx.Work("failover-attempts.csv"))}");
            await File.WriteAllTextAsync(ctx.Work("scale-replica-a.log"), a.Process.TimedOutput, CancellationToken.None).ConfigureAwait(false);
        }

        var after = await admin.PingAgentsAsync(request, cancellationToken: ct).ResponseAsync.ConfigureAwait(false);

        section.Text(
            "Replicas a and b (real coordinator processes, each with a data dir of its own) share a throwaway PostgreSQL " +
            "(initdb in a temp dir, fsync off). The fake agents enroll through a; even ones connect to a, odd ones to b, each " +
            "naming both replicas. The round is `Admin.PingAgents` called on a: b's agents get their step through the " +
            "`routed_messages` table and `NOTIFY`. Then b is killed with SIGKILL, and its agents are timed from the kill until " +
            "a welcomed every one of them (they reconnect with the agent's jittered backoff, to the next URL they know).");
        var table = section.Table("measure", "value");
        table.Row($"time to open {o.FakeAgents} streams over two replicas (all welcomed)", Samples.Seconds(connect.TotalSeconds));
        table.Row("CPU time per connection while they open: both replicas / load generator", cost.ToString());
        table.Row("RSS of replica a / replica b", $"{Samples.MB(rssA)} / {Samples.MB(rssB)}");
        table.Row($"no-op round to all {o.FakeAgents}, issued on a, caller's view", round.Format(Samples.Millis));
        table.Row($"SIGKILL of b → its {onB.Count} agents welcomed by a", Samples.Seconds(failover.TotalSeconds));
        table.Row("no-op round after the failover: agents that answered", $"{after.Answered} of {o.FakeAgents}");
        ctx.Report.Target("4 scale", $"two replicas: no-op round to {o.FakeAgents} agents ≤ 2 s", Samples.Millis(round.Median), round.Median <= 2000, "issued on a, median");
        // Issue 15: when a replica dies, its agents are all back ≤ 30 s (for 5,000). Its "agents reconnected ≤ 5 s" is
        // said of the integration test's four agents, not of this fleet, whose 5,000 TLS handshakes share 2 cores.
        ctx.Report.Target("4 scale", $"two replicas: SIGKILL of one → its {onB.Count} agents back on the other ≤ 30 s", Samples.Seconds(failover.TotalSeconds),
            failover <= ScaleScenario.StormLimit, "once");
    }
}
