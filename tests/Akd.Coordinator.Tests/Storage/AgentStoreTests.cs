using Akd.Contracts.V1;
using Akd.Coordinator.Replicas;
using Akd.Coordinator.Storage;
using Akd.Testing;

namespace Akd.Coordinator.Tests.Storage;

[Collection(StoreCollection.Name)]
public sealed class AgentStoreTests(PostgresCluster cluster)
{
    /// <summary>How recent a heartbeat must be for its replica to count as alive.</summary>
    private static readonly TimeSpan LiveFor = new CoordinatorOptions().ReplicaTimeout;

    /// <summary>The agent store as replica <paramref name="id"/> sees the shared database.</summary>
    /// <summary>Replicas a and b beat, c does not; web-1, web-2 and web-3 are online on a, b and c. Returns a's store.</summary>
    private static async Task<AgentStore> ThreeReplicasOneAgentEachAsync(TempDatabase db)
    {
        var (a, b, c) = (StoreOf(db, "a"), StoreOf(db, "b"), StoreOf(db, "c"));
        await db.Replicas.BeatAsync("a", CancellationToken.None);
        await db.Replicas.BeatAsync("b", CancellationToken.None);
        await a.UpsertOnlineAsync(Hello("web-1", ""), CancellationToken.None);
        await b.UpsertOnlineAsync(Hello("web-2", ""), CancellationToken.None);
        await c.UpsertOnlineAsync(Hello("web-3", ""), CancellationToken.None);
        return a;
    }

    private static AgentStore StoreOf(TempDatabase db, string id) => new(db.Database, TimeProvider.System, new ReplicaIdentity(id));

    private static async Task<List<(string Name, AgentState State)>> StatesAsync(TempDatabase db) =>
        (await db.Agents.ListAsync(CancellationToken.None)).Select(x => (x.Name, x.State)).ToList();

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
        Assert.Equal(AgentState.Online, agent.State);
        Assert.Equal("1.15.2", agent.Toolchain.Elixir);
        Assert.Equal("staging", agent.Labels["env"]);
        Assert.Equal("host-web-1", agent.Hostname);
        Assert.NotNull(agent.LastSeen);
        Assert.NotNull(agent.ConnectedAt);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task RefreshOnlineAsync_ManyAgentsAtOnce_EachOfThisReplicaMarkedOnlineOthersLeftAlone(string engine)
    {
        // Arrange: 300 agents of replica a shown offline, and web-b on replica b, offline too.
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        var (a, b) = (StoreOf(db, "a"), StoreOf(db, "b"));
        var names = Enumerable.Range(0, 300).Select(i => $"web-{i:000}").ToList();
        foreach (var name in names)
        {
            await a.UpsertOnlineAsync(Hello(name, ""), CancellationToken.None);
            await a.MarkAsync(name, AgentState.Offline, CancellationToken.None);
        }

        await b.UpsertOnlineAsync(Hello("web-b", ""), CancellationToken.None);
        await b.MarkAsync("web-b", AgentState.Offline, CancellationToken.None);

        // Act: a refreshes every one in one statement, web-b too (it moved to b: a's heartbeat for it is stale).
        await a.RefreshOnlineAsync([.. names, "web-b"], CancellationToken.None);

        // Assert
        var states = await StatesAsync(db);
        Assert.All(states.Where(s => s.Name != "web-b"), s => Assert.Equal(AgentState.Online, s.State));
        Assert.Equal(301, states.Count);
        Assert.Equal(AgentState.Offline, states.Single(s => s.Name == "web-b").State);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task MarkAllHeldOfflineAsync_ReplicaStops_EveryAgentItHoldsOfflineOtherReplicasAgentsLeftOnline(string engine)
    {
        // Arrange: 200 agents online on replica a, web-b online on replica b.
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        var (a, b) = (StoreOf(db, "a"), StoreOf(db, "b"));
        var names = Enumerable.Range(0, 200).Select(i => $"web-{i:000}").ToList();
        foreach (var name in names)
        {
            await a.UpsertOnlineAsync(Hello(name, ""), CancellationToken.None);
        }

        await b.UpsertOnlineAsync(Hello("web-b", ""), CancellationToken.None);

        // Act
        var marked = await a.MarkAllHeldOfflineAsync(CancellationToken.None);

        // Assert
        Assert.Equal(200, marked);
        var states = await StatesAsync(db);
        Assert.All(states.Where(s => s.Name != "web-b"), s => Assert.Equal(AgentState.Offline, s.State));
        Assert.Equal(AgentState.Online, states.Single(s => s.Name == "web-b").State);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task MarkOfflineAfterRestart_OneReplica_EveryAgentOfflineAndListedByName(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await db.Agents.UpsertOnlineAsync(Hello("web-2", "1.14.0"), CancellationToken.None);
        await db.Agents.UpsertOnlineAsync(Hello("build-1", "1.14.0"), CancellationToken.None);

        // Act
        var marked = await db.Agents.MarkOfflineAfterRestartAsync(DateTimeOffset.UtcNow - LiveFor, CancellationToken.None);
        var agents = await db.Agents.ListAsync(CancellationToken.None);

        // Assert
        Assert.Equal(2, marked);
        Assert.Equal(["build-1", "web-2"], agents.Select(a => a.Name));
        Assert.All(agents, a => Assert.Equal(AgentState.Offline, a.State));
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task MarkOfflineAfterRestart_ThreeReplicas_OwnAndDeadReplicasAgentsOfflineLiveOnesKept(string engine)
    {
        // Arrange: a restarts; b is alive; c never beat (it died before, or its heartbeat aged out).
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        var a = await ThreeReplicasOneAgentEachAsync(db);

        // Act
        var marked = await a.MarkOfflineAfterRestartAsync(DateTimeOffset.UtcNow - LiveFor, CancellationToken.None);

        // Assert
        Assert.Equal(2, marked);
        Assert.Equal([("web-1", AgentState.Offline), ("web-2", AgentState.Online), ("web-3", AgentState.Offline)], await StatesAsync(db));
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task MarkOfflineOfDeadReplicas_LiveAndDeadReplicas_OnlyTheDeadOnesAgentsOffline(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        var a = await ThreeReplicasOneAgentEachAsync(db);

        // Act
        var marked = await a.MarkOfflineOfDeadReplicasAsync(DateTimeOffset.UtcNow - LiveFor, CancellationToken.None);

        // Assert
        Assert.Equal(1, marked);
        Assert.Equal([("web-1", AgentState.Online), ("web-2", AgentState.Online), ("web-3", AgentState.Offline)], await StatesAsync(db));
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task Mark_AgentMovedToAnotherReplica_TheOldReplicasOfflineIgnored(string engine)
    {
        // Arrange: web-1's stream moved from a to b; a notices its old stream ended only afterwards.
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        var (a, b) = (StoreOf(db, "a"), StoreOf(db, "b"));
        await a.UpsertOnlineAsync(Hello("web-1", ""), CancellationToken.None);
        await b.UpsertOnlineAsync(Hello("web-1", ""), CancellationToken.None);

        // Act
        await a.MarkAsync("web-1", AgentState.Offline, CancellationToken.None);

        // Assert
        Assert.Equal([("web-1", AgentState.Online)], await StatesAsync(db));
        Assert.Equal("b", (await a.ReplicasAsync(CancellationToken.None))["web-1"]);
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
