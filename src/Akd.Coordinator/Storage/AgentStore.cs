using System.Text.Json;
using Akd.Contracts.V1;
using Akd.Coordinator.Replicas;

namespace Akd.Coordinator.Storage;

/// <summary>
/// Every agent that ever connected, with its last known labels, versions and state, and which replica holds
/// its stream. A replica changes the state only of agents it holds: an agent that moved to another replica
/// is that one's. Without a <paramref name="replica"/>, the one replica of an embedded store ("").
/// </summary>
public sealed class AgentStore(Database db, TimeProvider clock, ReplicaIdentity? replica = null)
{
    private readonly string _replica = replica?.Id ?? "";

    /// <summary>An agent's hello: it is online, on this replica. Awaited, not blocking (one per connection: a storm's worth at once).</summary>
    public Task UpsertOnlineAsync(AgentHello hello, CancellationToken ct) => db.UseAsync(async (c, token) =>
    {
        var now = clock.GetUtcNow().ToDb();
        using var command = c.Command(
            """
            INSERT INTO agents(name, labels, agent_version, toolchain, hostname, state, last_seen, connected_at, replica)
            VALUES (@name, @labels, @version, @toolchain, @hostname, @w_online, @now, @now, @replica)
            ON CONFLICT(name) DO UPDATE SET labels = @labels, agent_version = @version, toolchain = @toolchain,
                hostname = @hostname, state = @w_online, last_seen = @now, connected_at = @now, replica = @replica
            """,
            ("@name", hello.Name), ("@labels", JsonSerializer.Serialize(hello.Labels)), ("@version", hello.AgentVersion),
            ("@toolchain", Google.Protobuf.JsonFormatter.Default.Format(hello.Toolchain ?? new Toolchain())),
            ("@hostname", hello.Hostname), ("@now", now), ("@replica", _replica), StoredWords.Online);
        await command.ExecuteNonQueryAsync(token).ConfigureAwait(false);
    }, ct);

    /// <summary>The agent probes its toolchain after connecting and reports it when it differs from its hello.</summary>
    public Task SetToolchainAsync(string name, Toolchain toolchain, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("UPDATE agents SET toolchain = @toolchain WHERE name = @name",
            ("@toolchain", Google.Protobuf.JsonFormatter.Default.Format(toolchain)), ("@name", name));
        command.ExecuteNonQuery();
    }, ct);

    /// <summary>
    /// The agents named, which this replica holds and which sent a heartbeat lately, are alive now: one statement for all
    /// of them (<see cref="Agents.AgentLiveness"/> calls it once a heartbeat interval), not a write per beat.
    /// </summary>
    public Task RefreshOnlineAsync(IReadOnlyCollection<string> names, CancellationToken ct) => db.UseAsync(c =>
    {
        // One statement: PostgreSQL takes the names as an array, SQLite as a JSON array it reads with json_each.
        var (match, list) = db.Engine == "postgres"
            ? ("name = ANY(@names)", (object)names.ToArray())
            : ("name IN (SELECT value FROM json_each(@names))", JsonSerializer.Serialize(names));
        using var command = c.Command($"UPDATE agents SET state = @w_online, last_seen = @now WHERE replica = @replica AND {match}",
            ("@now", clock.GetUtcNow().ToDb()), ("@replica", _replica), ("@names", list), StoredWords.Online);
        command.ExecuteNonQuery();
    }, ct);

    /// <summary>
    /// Every agent this replica holds is offline: it is stopping and closes all their streams (one statement, not one
    /// per stream). Returns how many were marked.
    /// </summary>
    public Task<int> MarkAllHeldOfflineAsync(CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("UPDATE agents SET state = @w_offline, last_seen = @now WHERE replica = @replica AND state <> @w_offline",
            ("@now", clock.GetUtcNow().ToDb()), ("@replica", _replica), StoredWords.Offline);
        return command.ExecuteNonQuery();
    }, ct);

    /// <summary>Sets the state of an agent this replica holds; an agent that connected to another replica since is left alone.</summary>
    /// <remarks>Awaited, not blocking: a replica whose connections all drop marks thousands at once.</remarks>
    public Task MarkAsync(string name, AgentState state, CancellationToken ct) => db.UseAsync(async (c, token) =>
    {
        using var command = c.Command("UPDATE agents SET state = @state, last_seen = @now WHERE name = @name AND replica = @replica",
            ("@state", state.Text()), ("@now", clock.GetUtcNow().ToDb()), ("@name", name), ("@replica", _replica));
        await command.ExecuteNonQueryAsync(token).ConfigureAwait(false);
    }, ct);

    /// <summary>
    /// After a restart none of this replica's agents is connected yet: they are offline until they dial in,
    /// as are those of replicas not heard of since <paramref name="liveSince"/> (dead). Agents on live
    /// replicas keep their state. Returns how many were marked.
    /// </summary>
    public Task<int> MarkOfflineAfterRestartAsync(DateTimeOffset liveSince, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            """
            UPDATE agents SET state = @w_offline
            WHERE state <> @w_offline AND (replica = @replica OR replica NOT IN (SELECT id FROM replicas WHERE heartbeat >= @since))
            """,
            ("@replica", _replica), ("@since", liveSince.ToDb()), StoredWords.Offline);
        return command.ExecuteNonQuery();
    }, ct);

    /// <summary>Agents shown online on a replica not heard of since <paramref name="liveSince"/> are offline: that replica died with their streams.</summary>
    public Task<int> MarkOfflineOfDeadReplicasAsync(DateTimeOffset liveSince, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            """
            UPDATE agents SET state = @w_offline
            WHERE state <> @w_offline AND replica <> @replica AND replica NOT IN (SELECT id FROM replicas WHERE heartbeat >= @since)
            """,
            ("@replica", _replica), ("@since", liveSince.ToDb()), StoredWords.Offline);
        return command.ExecuteNonQuery();
    }, ct);

    /// <summary>Which replica holds each agent's stream now ("" for an agent offline or on an embedded store's one replica).</summary>
    public Task<Dictionary<string, string>> ReplicasAsync(CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("SELECT name, replica FROM agents WHERE state <> @w_offline", StoredWords.Offline);
        using var reader = command.ExecuteReader();
        var replicas = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            replicas[reader.GetString(0)] = reader.GetString(1);
        }

        return replicas;
    }, ct);

    /// <summary>The agents online, each with its labels and the replica holding its stream: what a plan across replicas picks from.</summary>
    public Task<List<(string Name, Dictionary<string, string> Labels, string Replica)>> ListOnlineAsync(CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("SELECT name, labels, replica FROM agents WHERE state = @w_online", StoredWords.Online);
        using var reader = command.ExecuteReader();
        var online = new List<(string, Dictionary<string, string>, string)>();
        while (reader.Read())
        {
            online.Add((reader.GetString(0), JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(1)) ?? [], reader.GetString(2)));
        }

        return online;
    }, ct);

    public Task<List<AgentInfo>> ListAsync(CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("SELECT name, labels, agent_version, toolchain, hostname, state, last_seen, connected_at FROM agents ORDER BY name");
        using var reader = command.ExecuteReader();
        var agents = new List<AgentInfo>();
        while (reader.Read())
        {
            var info = new AgentInfo
            {
                Name = reader.GetString(0),
                AgentVersion = reader.GetString(2),
                Toolchain = Google.Protobuf.JsonParser.Default.Parse<Toolchain>(reader.GetString(3)),
                Hostname = reader.GetString(4),
                State = Vocabulary.Parse<AgentState>(reader.GetString(5)),
                LastSeen = reader.ReadTimestamp(6),
                ConnectedAt = reader.ReadTimestamp(7),
            };
            info.Labels.Add(JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(1)) ?? []);
            agents.Add(info);
        }

        return agents;
    }, ct);
}
