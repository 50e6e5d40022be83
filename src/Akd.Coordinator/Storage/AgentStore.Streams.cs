using System.Data.Common;
using System.Text.Json;
using Akd.Contracts.V1;

namespace Akd.Coordinator.Storage;

/// <summary>
/// What agent streams write: the hello (the agent is online here), heartbeats, and the end of a stream (offline). 10,000
/// agents beating every 5 s would be 2,000 updates a second one by one, and a reconnect storm or a stop as many hellos
/// or ends at once: all three go through one group commit, so those arriving together are a few statements in one
/// transaction. One queue keeps each agent's writes in the order its stream made them (an end, then the next hello).
/// </summary>
public sealed partial class AgentStore
{
    /// <summary>The most writes one batch holds (a SQLite transaction of that many rows, a few PostgreSQL arrays).</summary>
    private const int StreamBatchMax = 1000;

    private GroupCommit<StreamWrite>? _streams;

    private enum StreamWriteKind
    {
        Hello,
        Heartbeat,
        Offline,
    }

    private readonly record struct StreamWrite(StreamWriteKind Kind, string Name, AgentHello? Hello);

    /// <summary>The agent said hello to this replica: its row (created or replaced from the hello) shows it online here.</summary>
    public Task UpsertOnlineAsync(AgentHello hello, CancellationToken ct) =>
        AddAsync(new StreamWrite(StreamWriteKind.Hello, hello.Name, hello), ct);

    /// <summary>An agent this replica holds is alive now (its heartbeat).</summary>
    public Task HeartbeatAsync(string name, CancellationToken ct) => AddAsync(new StreamWrite(StreamWriteKind.Heartbeat, name, null), ct);

    /// <summary>Sets the state of an agent this replica holds; an agent that connected to another replica since is left alone.</summary>
    public Task MarkAsync(string name, AgentState state, CancellationToken ct) => state == AgentState.Offline
        ? AddAsync(new StreamWrite(StreamWriteKind.Offline, name, null), ct)
        : db.UseAsync(c =>
        {
            using var command = c.Command("UPDATE agents SET state = @state, last_seen = @now WHERE name = @name AND replica = @replica",
                ("@state", state.Text()), ("@now", clock.GetUtcNow().ToDb()), ("@name", name), ("@replica", _replica));
            command.ExecuteNonQuery();
        }, ct);

    private Task AddAsync(StreamWrite write, CancellationToken ct) =>
        LazyInitializer.EnsureInitialized(ref _streams, () => new GroupCommit<StreamWrite>(WriteStreamsAsync, StreamBatchMax)).AddAsync(write, ct);

    private Task WriteStreamsAsync(IReadOnlyList<StreamWrite> writes, CancellationToken ct) => db.UseAsync(c =>
    {
        var now = clock.GetUtcNow().ToDb();
        using var transaction = c.BeginTransaction();
        // Runs of one kind in a row: the order between kinds is the streams' order; within a run it does not matter.
        for (var start = 0; start < writes.Count;)
        {
            var end = start + 1;
            while (end < writes.Count && writes[end].Kind == writes[start].Kind)
            {
                end++;
            }

            var run = new List<StreamWrite>(end - start);
            for (var i = start; i < end; i++)
            {
                run.Add(writes[i]);
            }

            if (db.Engine == "postgres")
            {
                WriteRunAsArrays(c, transaction, run, now);
            }
            else
            {
                WriteRunRowByRow(c, transaction, run, now);
            }

            start = end;
        }

        transaction.Commit();
    }, ct);

    private const string UpsertColumns = "INSERT INTO agents(name, labels, agent_version, toolchain, hostname, state, last_seen, connected_at, replica)";

    private const string UpsertConflict =
        """
        ON CONFLICT(name) DO UPDATE SET labels = excluded.labels, agent_version = excluded.agent_version, toolchain = excluded.toolchain,
            hostname = excluded.hostname, state = excluded.state, last_seen = excluded.last_seen, connected_at = excluded.connected_at,
            replica = excluded.replica
        """;

    private const string Mark = "UPDATE agents SET state = @state, last_seen = @now WHERE replica = @replica AND ";

    /// <summary>SQLite: one prepared statement run per row, in one transaction (no round trips to save, only commits).</summary>
    private void WriteRunRowByRow(DbConnection c, DbTransaction transaction, List<StreamWrite> run, string now)
    {
        using var command = run[0].Kind switch
        {
            StreamWriteKind.Hello => c.Command(
                $"{UpsertColumns} VALUES (@name, @labels, @version, @toolchain, @hostname, @w_online, @now, @now, @replica) {UpsertConflict}",
                ("@name", ""), ("@labels", ""), ("@version", ""), ("@toolchain", ""), ("@hostname", ""), ("@now", now), ("@replica", _replica),
                StoredWords.Online),
            StreamWriteKind.Heartbeat => c.Command(Mark + "name = @name", ("@state", AgentState.Online.Text()), ("@now", now), ("@replica", _replica), ("@name", "")),
            _ => c.Command(Mark + "name = @name", ("@state", AgentState.Offline.Text()), ("@now", now), ("@replica", _replica), ("@name", "")),
        };
        command.Transaction = transaction;
        foreach (var write in run)
        {
            command.Parameters["@name"].Value = write.Name;
            if (write.Hello is { } hello)
            {
                var (labels, version, toolchain, hostname) = Columns(hello);
                command.Parameters["@labels"].Value = labels;
                command.Parameters["@version"].Value = version;
                command.Parameters["@toolchain"].Value = toolchain;
                command.Parameters["@hostname"].Value = hostname;
            }

            command.ExecuteNonQuery();
        }
    }

    /// <summary>PostgreSQL: one statement per run, the rows as arrays (a round trip each would be the cost).</summary>
    private void WriteRunAsArrays(DbConnection c, DbTransaction transaction, List<StreamWrite> run, string now)
    {
        DbCommand command;
        if (run[0].Kind == StreamWriteKind.Hello)
        {
            // One row per agent: an upsert may not touch a row twice, and a later hello replaces an earlier one whole.
            var last = new Dictionary<string, AgentHello>(StringComparer.Ordinal);
            foreach (var write in run)
            {
                last[write.Name] = write.Hello!;
            }

            var columns = last.Values.Select(Columns).ToList();
            command = c.Command(
                $"""
                {UpsertColumns}
                SELECT n, l, v, t, h, @w_online, @now, @now, @replica FROM unnest(@names, @labels, @versions, @toolchains, @hostnames) AS u(n, l, v, t, h)
                {UpsertConflict}
                """,
                ("@names", last.Keys.ToArray()), ("@labels", columns.Select(x => x.Labels).ToArray()),
                ("@versions", columns.Select(x => x.Version).ToArray()), ("@toolchains", columns.Select(x => x.Toolchain).ToArray()),
                ("@hostnames", columns.Select(x => x.Hostname).ToArray()), ("@now", now), ("@replica", _replica), StoredWords.Online);
        }
        else
        {
            var state = run[0].Kind == StreamWriteKind.Heartbeat ? AgentState.Online : AgentState.Offline;
            command = c.Command(Mark + "name = ANY(@names)",
                ("@state", state.Text()), ("@now", now), ("@replica", _replica), ("@names", run.Select(w => w.Name).ToArray()));
        }

        using (command)
        {
            command.Transaction = transaction;
            command.ExecuteNonQuery();
        }
    }

    private static (string Labels, string Version, string Toolchain, string Hostname) Columns(AgentHello hello) =>
        (JsonSerializer.Serialize(hello.Labels), hello.AgentVersion, Google.Protobuf.JsonFormatter.Default.Format(hello.Toolchain ?? new Toolchain()),
            hello.Hostname);
}
