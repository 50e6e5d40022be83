using Npgsql;

namespace Akd.Coordinator.Tests.Storage;

/// <summary>Sessions of a test's own on a <see cref="TempDatabase"/> on PostgreSQL: to hold a lock, and to see who waits for it.</summary>
internal static class PostgresSessions
{
    public static async Task<NpgsqlConnection> OpenAsync(TempDatabase db)
    {
        var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Runs <paramref name="sql"/> on <paramref name="connection"/>, in <paramref name="transaction"/> if given.</summary>
    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Until <paramref name="sessions"/> other sessions wait for a lock the session <paramref name="holder"/> (its process id) holds.</summary>
    public static async Task WaitUntilBlockedAsync(TempDatabase db, int holder, int sessions = 1)
    {
        await using var connection = await OpenAsync(db);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE @pid = ANY(pg_blocking_pids(pid))", connection);
        command.Parameters.AddWithValue("pid", holder);
        while ((long)(await command.ExecuteScalarAsync())! < sessions)
        {
            await Task.Delay(20);
        }
    }
}
