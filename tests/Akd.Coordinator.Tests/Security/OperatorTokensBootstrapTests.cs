using Akd.Coordinator.Security;
using Akd.Coordinator.Storage;
using Akd.Coordinator.Tests.Storage;
using Akd.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Tests.Security;

/// <summary>The first-start admin token when several replicas share a store: one token, written once, by the replica that made it.</summary>
[Collection(StoreCollection.Name)]
public sealed class OperatorTokensBootstrapTests(PostgresCluster cluster)
{
    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task BootstrapAsync_SecondReplicaOnAStoreWithTokens_WritesNoFileAndNoSecondAdmin(string engine)
    {
        // Arrange: replica a started first on the store; b has a data dir of its own (on SQLite, the same store file).
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        using var other = engine == StoreEngines.Postgres ? db.OtherCoordinator() : null;
        var a = Tokens(db.Database, db.Dir, "a");
        var b = Tokens((other ?? db).Database, db.Dir, "b");
        await a.BootstrapAsync("a", CancellationToken.None);

        // Act
        await b.BootstrapAsync("b", CancellationToken.None);

        // Assert: one admin token, in a's data dir only, saying where it is; it works on b.
        Assert.True(File.Exists(a.AdminTokenFile));
        Assert.False(File.Exists(b.AdminTokenFile));
        var admin = Assert.Single(await b.ListAsync(CancellationToken.None));
        Assert.Equal(("admin", "bootstrap on replica a"), (admin.Name, admin.CreatedBy));
        var caller = await b.AuthenticateAsync((await File.ReadAllTextAsync(a.AdminTokenFile)).Trim(), CancellationToken.None);
        Assert.Equal(Role.Admin, caller.Role);
    }

    [SkippableFact(Timeout = 30_000)]
    public async Task BootstrapAsync_TwoReplicasFindTheStoreEmptyAtOnce_OneAdminTokenOneFileAndNeitherFails()
    {
        // Arrange: both look while the tokens table is locked against writes, so both find no token and both try to add one.
        await using var db = await TempDatabase.OpenAsync(StoreEngines.Postgres, cluster);
        using var other = db.OtherCoordinator();
        var a = Tokens(db.Database, db.Dir, "a");
        var b = Tokens(other.Database, db.Dir, "b");
        await using var holder = await PostgresSession.OpenAsync(db);
        await using var hold = await holder.Connection.BeginTransactionAsync();
        await holder.ExecuteAsync("LOCK TABLE operator_tokens IN EXCLUSIVE MODE", hold);

        // Act
        // On threads of their own: a store call runs synchronously once it has a connection, and would block this one on the lock.
        var starting = new[] { Task.Run(() => a.BootstrapAsync("a", CancellationToken.None)), Task.Run(() => b.BootstrapAsync("b", CancellationToken.None)) };
        await holder.WaitUntilBlockingAsync(db, sessions: 2);
        await hold.CommitAsync();
        await Task.WhenAll(starting);

        // Assert: whichever lost the race knows the winner's token at once.
        Assert.Single(await a.ListAsync(CancellationToken.None));
        Assert.Single(await b.ListAsync(CancellationToken.None));
        Assert.Equal(1, new[] { a.AdminTokenFile, b.AdminTokenFile }.Count(File.Exists));
    }

    private static OperatorTokens Tokens(Database database, string root, string replica) => new(
        new OperatorTokenStore(database),
        Options.Create(new CoordinatorOptions { DataDir = Directory.CreateDirectory(Path.Combine(root, replica)).FullName }),
        TimeProvider.System, NullLogger<OperatorTokens>.Instance);
}
