using Npgsql;

namespace Akd.Coordinator.Tests.Storage;

/// <summary>
/// A PostgreSQL advisory lock held on a connection of the test's own, so that coordinators started meanwhile provably
/// wait on it (they take the same key) and are let go together; the connection also answers the test's queries.
/// </summary>
internal sealed class AdvisoryLockHolder : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly long _key;

    private AdvisoryLockHolder(NpgsqlConnection connection, long key)
    {
        _connection = connection;
        _key = key;
    }

    public static async Task<AdvisoryLockHolder> TakeAsync(string connectionString, long key)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var holder = new AdvisoryLockHolder(connection, key);
        await holder.ExecuteAsync($"SELECT pg_advisory_lock({key})");
        return holder;
    }

    /// <summary>Waits until every one of <paramref name="starting"/> waits on the lock, lets it go and returns what they made.</summary>
    public async Task<T[]> ReleaseWhenAllWaitAsync<T>(Task<T>[] starting)
    {
        while (await ScalarAsync<long>("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") < starting.Length)
        {
            Assert.DoesNotContain(starting, t => t.IsFaulted);
            await Task.Delay(20);
        }

        await ExecuteAsync($"SELECT pg_advisory_unlock({_key})");
        return await Task.WhenAll(starting);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = new NpgsqlCommand(sql, _connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = new NpgsqlCommand(sql, _connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
