using Akd.Contracts.V1;
using Akd.Coordinator.Agents;
using Akd.Coordinator.Agents.Routing;
using Akd.Coordinator.Replicas;
using Akd.Coordinator.Storage;
using Akd.Coordinator.Tests.Storage;
using Akd.Core.Manifest;
using Akd.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Tests.Agents;

/// <summary>Two replicas' registries and routers on one real PostgreSQL database (LISTEN/NOTIFY included); the agent is a FAKE in process.</summary>
[Collection(StoreCollection.Name)]
public sealed class ReplicaRouterTests(PostgresCluster cluster)
{
    [SkippableFact(Timeout = 60_000)]
    public async Task RunStepAsync_AgentOnAnotherReplica_RoutedThereWithItsOutputResultAndAckInOrder()
    {
        // Arrange: neither replica polls: only NOTIFY wakes them.
        await using var routed = await RoutedStep.StartAsync(cluster, TimeSpan.FromHours(1));
        var (a, agent) = (routed.A, routed.Agent);
        var command = new StepCommand { StepId = "step-1", DeadlineSeconds = 30, Ping = new PingStep() };
        var lines = new List<string>();

        // Act
        var running = a.Registry.RunStepAsync("web-2", command, m => lines.Add(m.Log.Line), CancellationToken.None);
        var received = await agent.ReceiveStepAsync(CancellationToken.None);
        agent.Log("step-1", "first");
        agent.Log("step-1", "second");
        agent.Answer(new StepResult { StepId = "step-1", Ok = true });
        var result = await running;
        a.Registry.Acknowledge("web-2", "step-1");
        var ack = await agent.ReceiveAsync(CancellationToken.None);

        // Assert
        Assert.Equal(command, received);
        Assert.True(result.Ok, result.Error);
        Assert.Equal(["first", "second"], lines);
        Assert.Equal("step-1", ack.ResultAck?.StepId);
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task RunStepAsync_ManyStepsAtOnceForAnAgentOnAnotherReplica_EveryResultAndEachStepsLinesInOrder()
    {
        // Arrange: only NOTIFY wakes the replicas; 300 steps routed at once go out and come back in batches.
        await using var routed = await RoutedStep.StartAsync(cluster, TimeSpan.FromHours(1));
        var (a, agent) = (routed.A, routed.Agent);
        const int Steps = 300;
        var lines = Enumerable.Range(0, Steps).Select(_ => new List<string>()).ToArray();

        // Act: the agent answers each step with three lines, then its result.
        var running = Enumerable.Range(0, Steps).Select(i => a.Registry.RunStepAsync(
            "web-2", new StepCommand { StepId = $"step-{i}", DeadlineSeconds = 30, Ping = new PingStep() }, m => lines[i].Add(m.Log.Line), CancellationToken.None)).ToList();
        for (var n = 0; n < Steps; n++)
        {
            var step = await agent.ReceiveStepAsync(CancellationToken.None);
            for (var line = 0; line < 3; line++)
            {
                agent.Log(step.StepId, $"{step.StepId}/{line}");
            }

            agent.Answer(new StepResult { StepId = step.StepId, Ok = true });
        }

        var results = await Task.WhenAll(running);

        // Assert
        Assert.All(results, r => Assert.True(r.Ok, r.Error));
        Assert.Equal(Enumerable.Range(0, Steps).Select(i => $"step-{i}"), results.Select(r => r.StepId));
        Assert.All(Enumerable.Range(0, Steps), i => Assert.Equal([$"step-{i}/0", $"step-{i}/1", $"step-{i}/2"], lines[i]));
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task RunStepAsync_CancelledOnTheAskingReplica_TheAgentIsToldToCancel()
    {
        // Arrange
        await using var routed = await RoutedStep.StartAsync(cluster);
        var (a, agent) = (routed.A, routed.Agent);
        using var cancel = new CancellationTokenSource();

        // Act
        var running = a.Registry.RunStepAsync("web-2", new StepCommand { StepId = "step-1", DeadlineSeconds = 30, Ping = new PingStep() }, _ => { }, cancel.Token);
        await agent.ReceiveStepAsync(CancellationToken.None);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        var told = await agent.ReceiveAsync(CancellationToken.None);

        // Assert
        Assert.Equal("step-1", told.CancelStep?.StepId);
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task RunStepAsync_AgentMovedAfterTheHolderWasRead_RoutedAgainToWhereItIsNow()
    {
        // Arrange: the store says b holds web-2, and a routes its step there; b is not reading its mailbox yet.
        var store = await TempDatabase.OpenAsync(StoreEngines.Postgres, cluster);
        await using var dropsTheDatabase = store;
        using var storeOfB = store.OtherCoordinator();
        using var storeOfC = store.OtherCoordinator();
        await using var a = await Replica.StartAsync(store, "a", TimeSpan.FromMilliseconds(100));
        await using var c = await Replica.StartAsync(storeOfC, "c", TimeSpan.FromMilliseconds(100));
        await storeOfB.Replicas.BeatAsync("b", CancellationToken.None);
        await new AgentStore(storeOfB.Database, TimeProvider.System, new ReplicaIdentity("b")).UpsertOnlineAsync(
            new AgentHello { Name = "web-2", Labels = { ["role"] = "web" } }, CancellationToken.None);
        var running = a.Registry.RunStepAsync("web-2", new StepCommand { StepId = "step-1", DeadlineSeconds = 30, Ping = new PingStep() }, _ => { }, CancellationToken.None);
        await WaitForRoutedToAsync(store, "b");

        // Act: web-2 connects to c meanwhile; then b reads the step, for an agent it does not hold.
        var agent = await c.ConnectAsync("web-2", "role=web");
        await using var b = await Replica.StartAsync(storeOfB, "b", TimeSpan.FromMilliseconds(100));
        var received = await agent.ReceiveStepAsync(CancellationToken.None);
        agent.Answer(new StepResult { StepId = "step-1", Ok = true });
        var result = await running;

        // Assert: the step reached the agent where it is now, and its result came back to a.
        Assert.Equal("step-1", received.StepId);
        Assert.True(result.Ok, result.Error);
    }

    /// <summary>Waits until a routed message for replica <paramref name="to"/> is stored.</summary>
    private static async Task WaitForRoutedToAsync(TempDatabase store, string to)
    {
        while (await store.Database.UseAsync(c =>
        {
            using var command = c.Command("SELECT count(*) FROM routed_messages WHERE to_replica = @to", ("@to", to));
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }, CancellationToken.None) == 0)
        {
            await Task.Delay(50);
        }
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task MatchingAnywhere_AgentsHereOnALiveAndOnADeadReplica_HereAndLiveOnesByName()
    {
        // Arrange: web-1 here on a, web-2 on live b, web-3 on c, which never beats (dead).
        var store = await TempDatabase.OpenAsync(StoreEngines.Postgres, cluster);
        await using var dropsTheDatabase = store;
        using var otherStore = store.OtherCoordinator();
        await using var a = await Replica.StartAsync(store, "a");
        await using var b = await Replica.StartAsync(otherStore, "b");
        await a.ConnectAsync("web-1", "role=web");
        await b.ConnectAsync("web-2", "role=web");
        await b.ConnectAsync("build-2", "role=build");
        await new AgentStore(store.Database, TimeProvider.System, new ReplicaIdentity("c")).UpsertOnlineAsync(
            new AgentHello { Name = "web-3", Labels = { ["role"] = "web" } }, CancellationToken.None);

        // Act
        var matching = await a.Registry.MatchingAnywhereAsync(LabelSelector.Parse("role=web"), CancellationToken.None);

        // Assert
        Assert.Equal(["web-1", "web-2"], matching.Select(m => m.Name));
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task Drain_ResultRoutedToADeadReplica_RecordedAsALateResultOnce()
    {
        // Arrange: b ran a step for c and routed its result back, but c died before reading it.
        var store = await TempDatabase.OpenAsync(StoreEngines.Postgres, cluster);
        await using var dropsTheDatabase = store;
        using var otherStore = store.OtherCoordinator();
        var lateOnA = new RecordingLateResultsFake();
        var lateOnB = new RecordingLateResultsFake();
        var result = new StepResult { StepId = "step-1", DeploymentId = "d-1", Ok = true };
        await new RouteStore(store.Database, TimeProvider.System).SendAsync(
            new RoutedMessage(0, "c", "b", "web-2", "step-1", "result", Convert.ToBase64String(Google.Protobuf.MessageExtensions.ToByteArray(new AgentMessage { Result = result }))),
            CancellationToken.None);

        // Act: two live replicas look for orphaned messages.
        await using var a = await Replica.StartAsync(store, "a", late: lateOnA);
        await using var b = await Replica.StartAsync(otherStore, "b", late: lateOnB);
        while (lateOnA.Recorded.Count + lateOnB.Recorded.Count == 0)
        {
            await Task.Delay(50);
        }

        await Task.Delay(500);

        // Assert: exactly one of them recorded it, as the agent's.
        var recorded = Assert.Single(lateOnA.Recorded.Concat(lateOnB.Recorded));
        Assert.Equal(("web-2", result), recorded);
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task Drain_CancelOfADeploymentAskedOnAnotherReplica_HandedToTheDriversCancelWithTheActor()
    {
        // Arrange: b drives d-1; a was asked to cancel it and routed the request, as ControlService does.
        var store = await TempDatabase.OpenAsync(StoreEngines.Postgres, cluster);
        await using var dropsTheDatabase = store;
        using var otherStore = store.OtherCoordinator();
        await using var b = await Replica.StartAsync(otherStore, "b", TimeSpan.FromHours(1));
        var asked = new TaskCompletionSource<(string Id, string Actor)>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Router.CancelDeployment = (id, actor, _) =>
        {
            asked.TrySetResult((id, actor));
            return Task.FromResult(true);
        };

        // Act
        await new RouteStore(store.Database, TimeProvider.System).SendAsync(
            new RoutedMessage(0, "b", "a", "", "d-1", RoutedKinds.CancelDeployment, Convert.ToBase64String("alice@box"u8.ToArray())), CancellationToken.None);

        // Assert
        Assert.Equal(("d-1", "alice@box"), await asked.Task);
    }

    /// <summary>FAKE late results: records what it is given (the deployments' real one is tested in LateResultsTests).</summary>
    private sealed class RecordingLateResultsFake : ILateResults
    {
        public System.Collections.Concurrent.ConcurrentQueue<(string Agent, StepResult Result)> Recorded { get; } = new();

        public Task RecordAsync(string agent, StepResult result, CancellationToken ct)
        {
            Recorded.Enqueue((agent, result));
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// The arrange of a routed step: a fresh database, replicas a and b on connections of their own, and the FAKE agent
    /// web-2 connected to b, so a step replica a runs on it is routed.
    /// </summary>
    private sealed class RoutedStep : IAsyncDisposable
    {
        private readonly TempDatabase _store;
        private readonly TempDatabase _otherStore;

        private RoutedStep(TempDatabase store, TempDatabase otherStore, Replica a, Replica b, FakeAgent agent) =>
            (_store, _otherStore, A, B, Agent) = (store, otherStore, a, b, agent);

        public Replica A { get; }

        public Replica B { get; }

        public FakeAgent Agent { get; }

        /// <param name="poll">How often each replica looks for routed messages besides being notified.</param>
        public static async Task<RoutedStep> StartAsync(PostgresCluster cluster, TimeSpan? poll = null)
        {
            var store = await TempDatabase.OpenAsync(StoreEngines.Postgres, cluster);
            var otherStore = store.OtherCoordinator();
            var a = await Replica.StartAsync(store, "a", poll);
            var b = await Replica.StartAsync(otherStore, "b", poll);
            return new RoutedStep(store, otherStore, a, b, await b.ConnectAsync("web-2", "role=web"));
        }

        public async ValueTask DisposeAsync()
        {
            await B.DisposeAsync();
            await A.DisposeAsync();
            _otherStore.Dispose();
            await _store.DisposeAsync();
        }
    }

    /// <summary>One replica's agent registry, stores and router over its own connections to the shared database.</summary>
    private sealed class Replica : IAsyncDisposable
    {
        private readonly AgentStore _agents;

        private Replica(TempDatabase db, string id, TimeSpan poll, ILateResults? late)
        {
            var options = Options.Create(new CoordinatorOptions { DataDir = db.Dir, RoutePollInterval = poll });
            var identity = new ReplicaIdentity(id);
            Registry = new AgentRegistry(TimeProvider.System, options, NullLogger<AgentRegistry>.Instance);
            _agents = new AgentStore(db.Database, TimeProvider.System, identity);
            Router = new ReplicaRouter(
                Registry, new RouteStore(db.Database, TimeProvider.System), _agents, db.Replicas, db.Database, identity, options, TimeProvider.System,
                NullLogger<ReplicaRouter>.Instance, late: late);
            Id = id;
        }

        public string Id { get; }

        public AgentRegistry Registry { get; }

        public ReplicaRouter Router { get; }

        /// <param name="poll">How often it looks for routed messages besides being notified.</param>
        /// <param name="late">Where results nobody waits for go (those routed to a dead replica).</param>
        public static async Task<Replica> StartAsync(TempDatabase db, string id, TimeSpan? poll = null, ILateResults? late = null)
        {
            var replica = new Replica(db, id, poll ?? TimeSpan.FromMilliseconds(200), late);
            await db.Replicas.BeatAsync(id, CancellationToken.None);
            await replica.Router.StartAsync(CancellationToken.None);
            return replica;
        }

        /// <summary>A fake agent connected to this replica, recorded in the store as held by it.</summary>
        public async Task<FakeAgent> ConnectAsync(string name, string label)
        {
            var agent = new FakeAgent(Registry, name, label);
            await _agents.UpsertOnlineAsync(agent.Connect().Hello, CancellationToken.None);
            return agent;
        }

        public async ValueTask DisposeAsync()
        {
            await Router.StopAsync(CancellationToken.None);
            Router.Dispose();
        }
    }
}
