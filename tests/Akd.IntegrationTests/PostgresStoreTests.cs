using Akd.IntegrationTests.Fleet;
using Akd.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// The coordinator on PostgreSQL (<c>--postgres</c>): a real deploy of examples/hello, a crash, and the
/// history read back from the database by the restarted process. The cluster is a throwaway one of the test's own.
/// </summary>
public sealed class PostgresStoreTests(PostgresCluster cluster, ITestOutputHelper output) : IClassFixture<PostgresCluster>
{
    private static readonly TimeSpan DeployTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Given in the connection string; the server (trust auth) never asks for it, and no log may show it.</summary>
    private const string Password = "pg-secret-never-logged";

    [SkippableFact(Timeout = 900_000)]
    public async Task Deploy_CoordinatorOnPostgres_HistoryReadableAfterCoordinatorRestart()
    {
        // Arrange
        var database = await cluster.CreateDatabaseAsync(CancellationToken.None);
        var connectionString = new NpgsqlConnectionStringBuilder(cluster.ConnectionString(database)) { Password = Password }.ToString();
        var fleet = await LocalFleet.StartAsync(webAgents: 1, CancellationToken.None, coordinatorArgs: ["--postgres", connectionString]);
        try
        {
            var app = HelloApp.CopyTo(fleet.Root);
            var deploy = await fleet.AkdctlAsync(app.Dir, DeployTimeout, "deploy", "-f", app.Manifest);
            output.WriteLine(deploy.ToString());
            CliAssert.Succeeded(deploy);
            var id = CliJson.DeploymentId(deploy);
            var before = await fleet.AkdctlAsync(fleet.Root, TimeSpan.FromSeconds(60), "logs", id, "--output", "json");
            CliAssert.Succeeded(before);

            // Act: kill -9 and start again, on the same database.
            await fleet.RestartCoordinatorAsync(CancellationToken.None);
            await fleet.WaitForAgentsAsync(fleet.Web.Count + 1, CancellationToken.None);

            // Assert: the deployment, its hosts and every event read back as before the crash.
            var status = await CliJson.StatusAsync(fleet, id);
            Assert.Equal("succeeded", status.Str("state"));
            Assert.Matches("^[0-9a-f]{64}$", status.Str("artifactSha256"));
            Assert.Equal("succeeded", CliJson.Hosts(status)[(fleet.Web[0].Name, "activate")].Str("state"));
            var after = await fleet.AkdctlAsync(fleet.Root, TimeSpan.FromSeconds(60), "logs", id, "--output", "json");
            var events = CliJson.Lines(after.StdOut).Select(e => e.GetRawText()).ToList();
            Assert.Contains(events, e => e.Contains("\"succeeded\"", StringComparison.Ordinal));
            Assert.Equal(CliJson.Lines(before.StdOut).Select(e => e.GetRawText()), events);
            Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(fleet.Web[0].Port));

            // Assert: it was PostgreSQL that kept it (no SQLite file), and the password is in no log.
            Assert.False(File.Exists(Path.Combine(fleet.Root, "coordinator", "akd.db")), "the coordinator wrote a SQLite store");
            await using (var connection = new NpgsqlConnection(cluster.ConnectionString(database)))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT state, (SELECT count(*) FROM events WHERE deployment_id = @id) FROM deployments WHERE id = @id", connection);
                command.Parameters.AddWithValue("id", id);
                await using var reader = await command.ExecuteReaderAsync();
                Assert.True(await reader.ReadAsync());
                Assert.Equal(("succeeded", (long)events.Count), (reader.GetString(0), reader.GetInt64(1)));
            }

            var logs = fleet.Logs();
            Assert.Contains("Store: PostgreSQL", logs);
            Assert.DoesNotContain(Password, logs);
        }
        finally
        {
            output.WriteLine(fleet.Logs());
            await fleet.DisposeAsync();
            await cluster.DropDatabaseAsync(database, CancellationToken.None);
        }
    }
}
