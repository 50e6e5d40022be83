using System.Data.Common;
using Akd.Coordinator.Observability;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Storage;

/// <summary>
/// The embedded store: SQLite (WAL) at <c>&lt;data-dir&gt;/akd.db</c>. One connection, one writer at a time:
/// the coordinator's write rate is a few hundred rows a second at most, and a single connection keeps ordering simple.
/// </summary>
public sealed class SqliteDatabase : Database
{
    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public SqliteDatabase(IOptions<CoordinatorOptions> options, CoordinatorMetrics? metrics = null)
        : base(metrics)
    {
        Directory.CreateDirectory(options.Value.DataDir);
        var path = Path.Combine(options.Value.DataDir, "akd.db");
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;");
        SqliteSchema.Apply(_connection);
    }

    public override string Engine => "sqlite";

    private protected override async Task<T> RunAsync<T>(Func<DbConnection, T> work, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return work(_connection);
        }
        finally
        {
            _gate.Release();
        }
    }

    private protected override async Task RunAsync(Func<DbConnection, CancellationToken, Task> work, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await work(_connection, ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _connection.Dispose();
            _gate.Dispose();
        }
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
