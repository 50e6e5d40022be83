using Akd.Contracts.V1;
using Akd.Coordinator.Deployments;
using Akd.Coordinator.Storage;
using Akd.Testing;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Akd.Coordinator.Tests.Storage;

/// <summary>
/// The one schema description (<see cref="SchemaHistory"/>) as each engine applies it: both engines end with the same
/// tables, columns and indexes, and a database made by the previous schema (checked-in copies under OldSchemas/)
/// upgrades to exactly what a fresh one has.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class SchemaTests(PostgresCluster cluster)
{
    private const string OldDeployment = """
        INSERT INTO deployments(id, app, environment, strategy, state, actor, created_at, finished_at, manifest_sha256, manifest_yaml, source_sha256)
        VALUES ('d-old', 'hello', '', 'remote-build', 'failed', 'alice', '2026-12-01T00:00:00.0000000Z', '2026-12-01T00:01:00.0000000Z', 'ab', 'app: hello', '');
        INSERT INTO host_steps(deployment_id, host, step, state, message) VALUES
            ('d-old', 'web-1', 'activate', 'failed', 'agent web-1 was lost (the host''s state is unknown)'),
            ('d-old', 'web-2', 'activate', 'failed', 'health check failed')
        """;

    [SkippableFact(Timeout = 60_000)]
    public async Task Open_FreshSqliteAndFreshPostgres_SameTablesColumnsAndIndexesButTheEngineSpecificOnes()
    {
        // Arrange
        await using var sqlite = await TempDatabase.OpenAsync(StoreEngines.Sqlite, cluster);
        await using var postgres = await TempDatabase.OpenAsync(StoreEngines.Postgres, cluster);

        // Act
        var sqliteSchema = await StoreSchema.ReadAsync(sqlite.Database, []);
        var postgresSchema = await StoreSchema.ReadAsync(postgres.Database, StoreSchema.PostgresOnly);

        // Assert
        Assert.Contains("deployments.replica text not null default ''", sqliteSchema);
        Assert.Equal(sqliteSchema, postgresSchema);
        var postgresTables = (await StoreSchema.ReadAsync(postgres.Database, [])).Select(l => l.Split('.')[0]).ToHashSet();
        Assert.All(StoreSchema.PostgresOnly, table => Assert.Contains(table, postgresTables));
    }

    [Fact(Timeout = 30_000)]
    public async Task Open_SqliteMadeByThePreviousSchema_UpgradesToTheFreshSchemaAndKeepsRows()
    {
        // Arrange
        var dir = Directory.CreateTempSubdirectory("akd-coord-old-").FullName;
        try
        {
            StoreSchema.CreateOldSqlite(dir, OldSchema("sqlite-c854c45.sql") + ";\n" + OldDeployment);
            using var fresh = new TempDatabase();

            // Act
            using var upgraded = new SqliteDatabase(Options.Create(new CoordinatorOptions { DataDir = dir }));

            // Assert
            Assert.Equal(await StoreSchema.ReadAsync(fresh.Database, []), await StoreSchema.ReadAsync(upgraded, []));
            AssertKept(await new DeploymentStore(upgraded, TimeProvider.System).GetAsync("d-old", CancellationToken.None));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task Open_PostgresMadeByThePreviousSchema_RunsNoOldMigrationAndMatchesAFreshOne()
    {
        // Arrange
        var database = await cluster.CreateDatabaseAsync(CancellationToken.None);
        try
        {
            await using (var old = new NpgsqlConnection(cluster.ConnectionString(database)))
            {
                await old.OpenAsync();
                await using var create = new NpgsqlCommand(OldSchema("postgres-c854c45.sql") + ";\n" + OldDeployment, old);
                await create.ExecuteNonQueryAsync();
            }

            await using var fresh = await TempDatabase.OpenAsync(StoreEngines.Postgres, cluster);

            // Act
            using var upgraded = new PostgresDatabase(cluster.ConnectionString(database));

            // Assert: the copy is at migration 6, so only what came after it runs.
            Assert.Equal(PostgresMigrations.All.Count(m => m.Version > 6), upgraded.AppliedMigrations);
            Assert.Equal(await StoreSchema.ReadAsync(fresh.Database, []), await StoreSchema.ReadAsync(upgraded, []));
            AssertKept(await new DeploymentStore(upgraded, TimeProvider.System).GetAsync("d-old", CancellationToken.None));
        }
        finally
        {
            await cluster.DropDatabaseAsync(database, CancellationToken.None);
        }
    }

    /// <summary>The old rows read back; the row an old coordinator marked unknown in words is marked unknown (migration 7).</summary>
    private static void AssertKept(Deployment? old)
    {
        Assert.Equal(DeploymentState.Failed, old?.State);
        Assert.Equal([("web-1", true), ("web-2", false)], old!.Hosts.Select(h => (h.Host, HostUnknown.Is(h))));
    }

    private static string OldSchema(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Storage", "OldSchemas", name));
}
