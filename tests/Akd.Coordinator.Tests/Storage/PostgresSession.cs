using Npgsql;

namespace Akd.Coordinator.Tests.Storage;

/// <summary>
/// A PostgreSQL session of the test's own beside the coordinators it starts: to hold a lock (a table lock in a
/// transaction, or an advisory lock the coordinators take too, so they provably wait on it and are let go together),
/// to see who waits for it, to listen, and to answer the test's queries.
/// </summary>
internal sealed class PostgresSession : IAsyncDisposable
{
    private PostgresSession(NpgsqlConnection connection) => Connection = connection;

    public NpgsqlConnection Connection { get; }

    /// <summary>The server process of this session, as <c>pg_blocking_pids</c> names it.</summary>
    public int ProcessId => Connection.ProcessID;

    public static async Task<PostgresSession> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return new PostgresSession(connection);
    }

    public static Task<PostgresSession> OpenAsync(TempDatabase db) => OpenAsync(db.ConnectionString!);

    /// <summary>A session holding the advisory lock <paramref name="key"/>.</summary>
    public static async Task<PostgresSession> TakeAdvisoryLockAsync(string connectionString, long key)
    {
        var session = await OpenAsync(connectionString);
        await session.ExecuteAsync($"SELECT pg_advisory_lock({key})");
        return session;
    }

    /// <summary>Runs <paramref name="sql"/>, in <paramref name="transaction"/> if given.</summary>
    public async Task ExecuteAsync(string sql, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(sql, Connection, transaction);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = new NpgsqlCommand(sql, Connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Until <paramref name="sessions"/> other sessions wait for a lock this one holds (asked on a session of its own: this one may be mid-transaction).</summary>
    public async Task WaitUntilBlockingAsync(TempDatabase db, int sessions = 1)
    {
        await using var observer = await OpenAsync(db);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE @pid = ANY(pg_blocking_pids(pid))", observer.Connection);
        command.Parameters.AddWithValue("pid", ProcessId);
        while ((long)(await command.ExecuteScalarAsync())! < sessions)
        {
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Waits until every one of <paramref name="starting"/> waits on an advisory lock, lets go of advisory lock
    /// <paramref name="key"/> and returns what they made.
    /// </summary>
    public async Task<T[]> ReleaseWhenAllWaitAsync<T>(long key, Task<T>[] starting)
    {
        while (await ScalarAsync<long>("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") < starting.Length)
        {
            Assert.DoesNotContain(starting, t => t.IsFaulted);
            await Task.Delay(20);
        }

        await ExecuteAsync($"SELECT pg_advisory_unlock({key})");
        return await Task.WhenAll(starting);
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
