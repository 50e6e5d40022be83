using Akd.Coordinator.Storage;
using Akd.Testing;

namespace Akd.Coordinator.Tests.Storage;

/// <summary>The routed messages table written and read in batches: order kept, each message taken once, one notification per recipient per write.</summary>
[Collection(StoreCollection.Name)]
public sealed class RouteStoreTests(PostgresCluster cluster)
{
    [SkippableTheory(Timeout = 60_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task TakeAsync_ManyMessagesSentInOneBatch_TakenInOrderABatchAtATimeEachOnce(string engine)
    {
        // Arrange: 250 messages for b and 10 for c, interleaved, in one write.
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        var routes = new RouteStore(db.Database, TimeProvider.System);
        var sent = Enumerable.Range(0, 260).Select(i => Message(i % 26 == 25 ? "c" : "b", i)).ToList();
        await routes.SendManyAsync(sent, CancellationToken.None);

        // Act
        var batches = new List<List<RoutedMessage>>();
        do
        {
            batches.Add(await routes.TakeAsync("b", 100, CancellationToken.None));
        }
        while (batches[^1].Count == 100);

        // Assert: b's messages, oldest first, in batches of at most 100; c's left for c.
        Assert.Equal([100, 100, 50], batches.Select(b => b.Count));
        Assert.Equal(sent.Where(m => m.To == "b").Select(m => m.StepId), batches.SelectMany(b => b).Select(m => m.StepId));
        Assert.Equal(sent.Where(m => m.To == "c").Select(m => m.Body), (await routes.TakeAsync("c", 100, CancellationToken.None)).Select(m => m.Body));
    }

    [SkippableTheory(Timeout = 60_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task TakeOrphanedAsync_HolderDiedAfterTakingPartOfItsMailbox_TheRestTakenOnceInOrder(string engine)
    {
        // Arrange: b took its first batch, then died (its heartbeat row is gone) with the rest unread.
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        var routes = new RouteStore(db.Database, TimeProvider.System);
        var sent = Enumerable.Range(0, 250).Select(i => Message("b", i)).ToList();
        await db.Replicas.BeatAsync("b", CancellationToken.None);
        await routes.SendManyAsync(sent, CancellationToken.None);
        var takenByB = await routes.TakeAsync("b", 100, CancellationToken.None);
        await db.Replicas.LeaveAsync("b", CancellationToken.None);

        // Act: a live replica looks for orphaned messages, twice.
        var liveSince = DateTimeOffset.UtcNow.AddSeconds(-8);
        var orphaned = await routes.TakeOrphanedAsync(liveSince, 1000, CancellationToken.None);
        var again = await routes.TakeOrphanedAsync(liveSince, 1000, CancellationToken.None);

        // Assert: every message taken exactly once, in order.
        Assert.Equal(sent.Select(m => m.StepId), takenByB.Concat(orphaned).Select(m => m.StepId));
        Assert.Empty(again);
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task GroupCommit_ThousandMessagesQueuedBehindAWrite_TwoWritesTwoNotificationsAndTheOrderSent()
    {
        // Arrange: a listener on the routes channel, and a lock that holds the outbox's first write until all are queued.
        await using var db = await TempDatabase.OpenAsync(StoreEngines.Postgres, cluster);
        var routes = new RouteStore(db.Database, TimeProvider.System);
        var outbox = new GroupCommit<RoutedMessage>(routes.SendManyAsync, batchMax: 1000);
        await using var listener = await PostgresSession.OpenAsync(db);
        var notifications = new List<string>();
        listener.Connection.Notification += (_, e) => notifications.Add(e.Payload);
        await listener.ExecuteAsync($"LISTEN {RouteStore.Channel}");
        await using var holder = await PostgresSession.OpenAsync(db);
        await using var hold = await holder.Connection.BeginTransactionAsync();
        await holder.ExecuteAsync("LOCK TABLE routed_messages IN EXCLUSIVE MODE", hold);

        // Act: one message starts a write, which waits on the lock; 999 more queue behind it; the lock goes.
        var sends = new List<Task> { outbox.AddAsync(Message("b", 0), CancellationToken.None) };
        await holder.WaitUntilBlockingAsync(db);
        sends.AddRange(Enumerable.Range(1, 999).Select(i => outbox.AddAsync(Message("b", i), CancellationToken.None)));
        await hold.CommitAsync();
        await Task.WhenAll(sends);
        while (notifications.Count < 2)
        {
            await listener.Connection.WaitAsync(TimeSpan.FromSeconds(10));
        }

        // Assert: one write of the first message, one of the other 999, each one notification; read back in the order sent.
        Assert.Equal(["b", "b"], notifications);
        var taken = await routes.TakeAsync("b", 2000, CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"step-{i}"), taken.Select(m => m.StepId));
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task GroupCommit_OneRowTheStoreRefusesInABatch_OnlyThatMessageFailsTheOthersAreWrittenInOrder()
    {
        // Arrange: the outbox's first write held on a lock until 99 more messages are queued, one of them with a step id
        // PostgreSQL cannot keep (a NUL in text): the batch they go in is refused as a whole.
        await using var db = await TempDatabase.OpenAsync(StoreEngines.Postgres, cluster);
        var routes = new RouteStore(db.Database, TimeProvider.System);
        var outbox = new GroupCommit<RoutedMessage>(routes.SendManyAsync, batchMax: 1000, RouteStore.RejectsRows);
        await using var holder = await PostgresSession.OpenAsync(db);
        await using var hold = await holder.Connection.BeginTransactionAsync();
        await holder.ExecuteAsync("LOCK TABLE routed_messages IN EXCLUSIVE MODE", hold);

        // Act
        var sends = new List<Task> { outbox.AddAsync(Message("b", 0), CancellationToken.None) };
        await holder.WaitUntilBlockingAsync(db);
        sends.AddRange(Enumerable.Range(1, 99).Select(i =>
            outbox.AddAsync(i == 50 ? Message("b", i) with { StepId = "bad\0step" } : Message("b", i), CancellationToken.None)));
        await hold.CommitAsync();
        await Task.WhenAll(sends).ContinueWith(_ => { }, TaskScheduler.Default);

        // Assert: the refused message failed alone; every other one was written, in the order sent.
        Assert.Equal([50], sends.Select((t, i) => (t, i)).Where(s => s.t.IsFaulted).Select(s => s.i));
        Assert.True(RouteStore.RejectsRows(sends[50].Exception!.InnerException!));
        var taken = await routes.TakeAsync("b", 2000, CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 100).Where(i => i != 50).Select(i => $"step-{i}"), taken.Select(m => m.StepId));
    }

    private static RoutedMessage Message(string to, int i) => new(0, to, "a", $"web-{i % 7}", $"step-{i}", "run", Convert.ToBase64String(BitConverter.GetBytes(i)));
}
