using System.Text.Json;
using Akd.Contracts.V1;

namespace Akd.Coordinator.Storage;

/// <summary>Every agent that ever connected, with its last known labels, versions and state.</summary>
public sealed class AgentStore(Database db, TimeProvider clock)
{
    public Task UpsertOnlineAsync(AgentHello hello, CancellationToken ct) => db.UseAsync(c =>
    {
        var now = clock.GetUtcNow().ToDb();
        using var command = c.Command(
            """
            INSERT INTO agents(name, labels, agent_version, toolchain, hostname, state, last_seen, connected_at)
            VALUES (@name, @labels, @version, @toolchain, @hostname, 'online', @now, @now)
            ON CONFLICT(name) DO UPDATE SET labels = @labels, agent_version = @version, toolchain = @toolchain,
                hostname = @hostname, state = 'online', last_seen = @now, connected_at = @now
            """,
            ("@name", hello.Name), ("@labels", JsonSerializer.Serialize(hello.Labels)), ("@version", hello.AgentVersion),
            ("@toolchain", Google.Protobuf.JsonFormatter.Default.Format(hello.Toolchain ?? new Toolchain())),
            ("@hostname", hello.Hostname), ("@now", now));
        command.ExecuteNonQuery();
    }, ct);

    /// <summary>The agent probes its toolchain after connecting and reports it when it differs from its hello.</summary>
    public Task SetToolchainAsync(string name, Toolchain toolchain, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("UPDATE agents SET toolchain = @toolchain WHERE name = @name",
            ("@toolchain", Google.Protobuf.JsonFormatter.Default.Format(toolchain)), ("@name", name));
        command.ExecuteNonQuery();
    }, ct);

    public Task MarkAsync(string name, string state, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("UPDATE agents SET state = @state, last_seen = @now WHERE name = @name",
            ("@state", state), ("@now", clock.GetUtcNow().ToDb()), ("@name", name));
        command.ExecuteNonQuery();
    }, ct);

    /// <summary>After a restart no agent is connected yet: they all start offline until they dial in.</summary>
    public Task MarkAllOfflineAsync(CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("UPDATE agents SET state = 'offline' WHERE state <> 'offline'");
        command.ExecuteNonQuery();
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
                State = reader.GetString(5),
                LastSeen = reader.ReadTimestamp(6),
                ConnectedAt = reader.ReadTimestamp(7),
            };
            info.Labels.Add(JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(1)) ?? []);
            agents.Add(info);
        }

        return agents;
    }, ct);
}
