using Akd.Bench.Scale;
using Akd.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// SIGTERM to a coordinator (a replica on PostgreSQL, alone, so no other replica's sweep marks anything) holding a few
/// hundred agent streams: the bench's fake agents (the real protocol, each on its own connection). Every stream ends,
/// none is taken again while the coordinator stops (the agents retry at once), and the shared store shows every agent
/// it held offline (one statement at the stop): what another replica, or an operator looking at the database, sees.
/// </summary>
public sealed class CoordinatorStopManyStreamsTests(PostgresCluster cluster, ITestOutputHelper output) : IClassFixture<PostgresCluster>, IDisposable
{
    private const int Agents = 300;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "akd-it-stop-" + Guid.NewGuid().ToString("N")[..6]);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [SkippableFact(Timeout = 300_000)]
    public async Task Sigterm_ManyAgentStreamsOnPostgres_EveryStreamEndedNoneRetakenEveryAgentOfflineInTheStore()
    {
        // Arrange
        var database = await cluster.CreateDatabaseAsync(CancellationToken.None);
        var postgres = cluster.ConnectionString(database);
        using var coordinator = await TestCoordinator.StartAsync(
            AkdPrograms.Current, Path.Combine(_root, "coordinator"), CancellationToken.None, args: ["--postgres", postgres, "--replica-id", "a"]);
        var swarm = new FakeAgentSwarm();
        try
        {
            await swarm.ConnectAsync(coordinator.Url, _ => coordinator.Url, coordinator.Admin, coordinator.CaFile, Agents, TimeSpan.FromMinutes(3), CancellationToken.None);
            var all = Enumerable.Range(0, Agents).ToList();
            var welcomes = swarm.WelcomesOf(all);
            Assert.Equal((Agents, Agents), await StatesAsync(postgres, "online"));

            // Act
            var exited = await coordinator.Process.TerminateAsync(TimeSpan.FromSeconds(60));

            // Assert: a clean exit that said how many streams it closed, and no agent was welcomed again by the stopping coordinator.
            output.WriteLine(coordinator.Process.TimedOutput);
            Assert.True(exited, "the coordinator was still running 60 s after SIGTERM");
            Assert.Equal(0, coordinator.Process.ExitCode);
            Assert.Contains($"closing the streams of {Agents} agents", coordinator.Process.Output);
            Assert.Contains($"{Agents} agents held here marked offline", coordinator.Process.Output);
            Assert.Equal(welcomes, swarm.WelcomesOf(all));

            // Assert: every agent it held is offline in the shared store.
            Assert.Equal((Agents, 0), await StatesAsync(postgres, "online"));
            Assert.Equal((Agents, Agents), await StatesAsync(postgres, "offline"));
        }
        finally
        {
            await swarm.DisposeAsync();
            await cluster.DropDatabaseAsync(database, CancellationToken.None);
        }
    }

    /// <summary>How many agents the store has, and how many of them are in <paramref name="state"/>.</summary>
    private static async Task<(long All, long InState)> StatesAsync(string postgres, string state)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*), count(*) FILTER (WHERE state = @state) FROM agents", connection);
        command.Parameters.AddWithValue("state", state);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
