using Akd.Contracts.V1;
using Akd.Testing;

namespace Akd.Coordinator.Tests.Storage;

[Collection(StoreCollection.Name)]
public sealed class AgentStoreTests(PostgresCluster cluster)
{
    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task UpsertOnline_SameAgentTwice_OneRowWithTheLatestHello(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await db.Agents.UpsertOnlineAsync(Hello("web-1", "1.14.0", ("role", "web")), CancellationToken.None);

        // Act
        await db.Agents.UpsertOnlineAsync(Hello("web-1", "1.15.2", ("role", "web"), ("env", "staging")), CancellationToken.None);
        var agents = await db.Agents.ListAsync(CancellationToken.None);

        // Assert
        var agent = Assert.Single(agents);
        Assert.Equal("online", agent.State);
        Assert.Equal("1.15.2", agent.Toolchain.Elixir);
        Assert.Equal("staging", agent.Labels["env"]);
        Assert.Equal("host-web-1", agent.Hostname);
        Assert.NotNull(agent.LastSeen);
        Assert.NotNull(agent.ConnectedAt);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task MarkAllOffline_AfterRestart_EveryAgentOfflineAndListedByName(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await db.Agents.UpsertOnlineAsync(Hello("web-2", "1.14.0"), CancellationToken.None);
        await db.Agents.UpsertOnlineAsync(Hello("build-1", "1.14.0"), CancellationToken.None);
        await db.Agents.MarkAsync("web-2", "draining", CancellationToken.None);

        // Act
        await db.Agents.MarkAllOfflineAsync(CancellationToken.None);
        var agents = await db.Agents.ListAsync(CancellationToken.None);

        // Assert
        Assert.Equal(["build-1", "web-2"], agents.Select(a => a.Name));
        Assert.All(agents, a => Assert.Equal("offline", a.State));
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task SetToolchain_ProbedAfterHello_ListShowsTheProbedOne(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await db.Agents.UpsertOnlineAsync(Hello("web-1", ""), CancellationToken.None);

        // Act
        await db.Agents.SetToolchainAsync("web-1", new Toolchain { Elixir = "1.14.0", Otp = "25", Rebar3 = "3.19.0", AppRunner = "systemd" }, CancellationToken.None);

        // Assert: how the host runs apps travels with the toolchain (akdctl agents, the dashboard's runner column).
        var agent = Assert.Single(await db.Agents.ListAsync(CancellationToken.None));
        Assert.Equal(("1.14.0", "25", "3.19.0", "systemd"), (agent.Toolchain.Elixir, agent.Toolchain.Otp, agent.Toolchain.Rebar3, agent.Toolchain.AppRunner));
    }

    private static AgentHello Hello(string name, string elixir, params (string Key, string Value)[] labels)
    {
        var hello = new AgentHello { Name = name, AgentVersion = "0.1.0", Hostname = $"host-{name}", Toolchain = new Toolchain { Elixir = elixir } };
        foreach (var (key, value) in labels)
        {
            hello.Labels[key] = value;
        }

        return hello;
    }
}
