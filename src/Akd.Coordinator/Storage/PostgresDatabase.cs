using System.Data.Common;
using Akd.Coordinator.Observability;
using Npgsql;

namespace Akd.Coordinator.Storage;

/// <summary>
/// The shared store (<c>--postgres</c>, or <c>ConnectionStrings:Postgres</c>): a pooled Npgsql data source;
/// every call takes a connection of its own, so calls run at once. The schema is brought up to date on
/// construction (<see cref="PostgresMigrations"/>), before any store is used.
/// </summary>
public sealed class PostgresDatabase : Database
{
    private readonly NpgsqlDataSource _source;

    public PostgresDatabase(string connectionString, CoordinatorMetrics? metrics = null)
        : base(metrics)
    {
        _source = NpgsqlDataSource.Create(connectionString);
        try
        {
            AppliedMigrations = PostgresMigrations.Apply(_source);
        }
        catch
        {
            _source.Dispose();
            throw;
        }
    }

    public override string Engine => "postgres";

    /// <summary>How many migrations this process applied when it started (0: another replica had, or nothing was new).</summary>
    public int AppliedMigrations { get; }

    /// <summary>Host, port and database of a connection string, for logs: never its password.</summary>
    public static string Describe(string connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            return $"host={builder.Host} port={builder.Port} database={builder.Database} user={builder.Username}";
        }
        catch (ArgumentException)
        {
            return "an unreadable connection string";
        }
    }

    /// <summary>A connection of the caller's own, kept open (a <c>LISTEN</c>er): the caller disposes it.</summary>
    public async Task<NpgsqlConnection> OpenDedicatedAsync(CancellationToken ct) => await _source.OpenConnectionAsync(ct).ConfigureAwait(false);

    /// <summary>A connection of the caller's own, opened synchronously: for start-up work done before the host serves (the shared CA).</summary>
    public NpgsqlConnection OpenDedicated() => _source.OpenConnection();

    private protected override async Task<T> RunAsync<T>(Func<DbConnection, T> work, CancellationToken ct)
    {
        var connection = await _source.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return work(connection);
        }
    }

    private protected override async Task RunAsync(Func<DbConnection, CancellationToken, Task> work, CancellationToken ct)
    {
        var connection = await _source.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await work(connection, ct).ConfigureAwait(false);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _source.Dispose();
        }
    }
}
