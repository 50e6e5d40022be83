using Akd.Coordinator.Storage;
using Akd.Testing;

namespace Akd.Coordinator.Tests.Storage;

/// <summary>PostgreSQL only: SQLite has one process per database and upgrades in place (DeploymentStoreFleetTests).</summary>
[Collection(StoreCollection.Name)]
public sealed class PostgresMigrationsTests(PostgresCluster cluster)
{
    [SkippableFact(Timeout = 60_000)]
    public async Task Apply_TwoCoordinatorsStartingTogether_OneSchemaEachMigrationAppliedOnce()
    {
        // Arrange: hold the migration lock, so both coordinators are provably waiting on it when it is let go.
        var database = await cluster.CreateDatabaseAsync(CancellationToken.None);
        var connectionString = cluster.ConnectionString(database);
        try
        {
            await using var holder = await PostgresSession.TakeAdvisoryLockAsync(connectionString, PostgresMigrations.LockKey);
            var starting = Enumerable.Range(0, 2).Select(_ => Task.Run(() => new PostgresDatabase(connectionString))).ToArray();

            // Act
            var started = await holder.ReleaseWhenAllWaitAsync(PostgresMigrations.LockKey, starting);

            // Assert
            try
            {
                Assert.Equal(PostgresMigrations.All.Count, started.Sum(d => d.AppliedMigrations));
                Assert.Equal(PostgresMigrations.All.Count, await holder.ScalarAsync<long>("SELECT count(*) FROM schema_migrations"));
                Assert.Equal(PostgresMigrations.All[^1].Version, await holder.ScalarAsync<int>("SELECT max(version) FROM schema_migrations"));
                Assert.Equal(1, await holder.ScalarAsync<long>("SELECT count(*) FROM information_schema.tables WHERE table_name = 'deployments'"));
            }
            finally
            {
                Array.ForEach(started, d => d.Dispose());
            }
        }
        finally
        {
            await cluster.DropDatabaseAsync(database, CancellationToken.None);
        }
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task Apply_RestartOnMigratedDatabase_AppliesNothingAndKeepsRows()
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(StoreEngines.Postgres, cluster);
        await db.Deployments.CreateAsync(TempDatabase.NewDeployment("d-1"), "app: hello", CancellationToken.None);

        // Act
        using var restarted = new PostgresDatabase(db.ConnectionString!);

        // Assert
        Assert.Equal(PostgresMigrations.All.Count, ((PostgresDatabase)db.Database).AppliedMigrations);
        Assert.Equal(0, restarted.AppliedMigrations);
        Assert.NotNull(await new DeploymentStore(restarted, TimeProvider.System).GetAsync("d-1", CancellationToken.None));
    }
}
