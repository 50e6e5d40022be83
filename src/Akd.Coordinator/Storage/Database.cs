using System.Diagnostics;
using System.Runtime.CompilerServices;
using Akd.Coordinator.Observability;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Storage;

/// <summary>
/// The coordinator's SQLite store (WAL). One connection, one writer at a time: the coordinator's
/// write rate is a few hundred rows a second at most, and a single connection keeps ordering simple.
/// </summary>
public sealed class Database : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CoordinatorMetrics? _metrics;

    public Database(IOptions<CoordinatorOptions> options, CoordinatorMetrics? metrics = null)
    {
        _metrics = metrics;
        Directory.CreateDirectory(options.Value.DataDir);
        var path = Path.Combine(options.Value.DataDir, "akd.db");
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;");
        Execute(Schema.Sql);
        SchemaUpgrades.Apply(_connection);
    }

    /// <summary>Runs <paramref name="work"/> with exclusive use of the connection.</summary>
    /// <param name="operation">Names the operation in the store latency metric: the calling store method.</param>
    public async Task<T> UseAsync<T>(Func<SqliteConnection, T> work, CancellationToken ct, [CallerMemberName] string operation = "")
    {
        var started = Stopwatch.GetTimestamp();
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return work(_connection);
        }
        finally
        {
            _gate.Release();
            _metrics?.StoreOperation(operation, Stopwatch.GetElapsedTime(started));
        }
    }

    public Task UseAsync(Action<SqliteConnection> work, CancellationToken ct, [CallerMemberName] string operation = "") =>
        UseAsync(c => { work(c); return true; }, ct, operation);

    public void Dispose()
    {
        _connection.Dispose();
        _gate.Dispose();
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
