using System.Data.Common;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Akd.Coordinator.Observability;

namespace Akd.Coordinator.Storage;

/// <summary>
/// The coordinator's store: the one seam between the stores (which hold the SQL, written once in the
/// subset both engines share) and an engine. <see cref="SqliteDatabase"/> is the embedded default;
/// <see cref="PostgresDatabase"/> is what replicas share.
/// </summary>
public abstract class Database : IDisposable
{
    private readonly CoordinatorMetrics? _metrics;

    private protected Database(CoordinatorMetrics? metrics)
    {
        _metrics = metrics;
    }

    /// <summary>"sqlite" or "postgres": what <c>/metrics</c>, the health check and the start-up log call this store.</summary>
    public abstract string Engine { get; }

    /// <summary>
    /// Runs <paramref name="work"/> on a connection of its own for the duration of the call (SQLite: the
    /// one connection, one caller at a time; PostgreSQL: a pooled connection). Work that reads and then
    /// writes must do so in a transaction or a single statement: under PostgreSQL callers run at once.
    /// </summary>
    /// <param name="operation">Names the operation in the store latency metric: the calling store method.</param>
    public async Task<T> UseAsync<T>(Func<DbConnection, T> work, CancellationToken ct, [CallerMemberName] string operation = "")
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await RunAsync(work, ct).ConfigureAwait(false);
        }
        finally
        {
            _metrics?.StoreOperation(operation, Stopwatch.GetElapsedTime(started));
        }
    }

    public Task UseAsync(Action<DbConnection> work, CancellationToken ct, [CallerMemberName] string operation = "") =>
        UseAsync(c => { work(c); return true; }, ct, operation);

    /// <summary>
    /// <see cref="UseAsync{T}(Func{DbConnection, T}, CancellationToken, string)"/> for work that awaits the engine: on
    /// PostgreSQL a round trip then holds no thread. For what runs once per agent connection (a storm of thousands at
    /// once): synchronous round trips there blocked as many thread-pool threads as the pool had connections, and the TLS
    /// handshakes and hellos of every other agent queued behind them (bench/, scenario 4b).
    /// </summary>
    public async Task UseAsync(Func<DbConnection, CancellationToken, Task> work, CancellationToken ct, [CallerMemberName] string operation = "")
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await RunAsync(work, ct).ConfigureAwait(false);
        }
        finally
        {
            _metrics?.StoreOperation(operation, Stopwatch.GetElapsedTime(started));
        }
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    private protected abstract Task<T> RunAsync<T>(Func<DbConnection, T> work, CancellationToken ct);

    private protected abstract Task RunAsync(Func<DbConnection, CancellationToken, Task> work, CancellationToken ct);

    protected abstract void Dispose(bool disposing);
}
