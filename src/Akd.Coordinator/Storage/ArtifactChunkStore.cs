using System.Data;
using System.Globalization;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Akd.Coordinator.Storage;

/// <summary>
/// Artifacts every replica can serve (PostgreSQL only; SQLite keeps them as files alone): one
/// <c>artifact_blobs</c> row per digest and its bytes in <c>artifact_chunks</c>, rows of
/// <see cref="CoordinatorOptions.SharedArtifactChunkBytes"/>, written with binary <c>COPY</c> and read one row at a time.
/// Blob and chunks are written in one transaction, so a reader sees an artifact whole or not at all.
/// </summary>
public sealed class ArtifactChunkStore(PostgresDatabase db, IOptions<CoordinatorOptions> options, TimeProvider clock)
{
    /// <summary>The stored size of <paramref name="sha256"/>, or null when no replica stored it.</summary>
    public Task<long?> SizeOfAsync(string sha256, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("SELECT size FROM artifact_blobs WHERE sha256 = @sha", ("@sha", sha256));
        return command.ExecuteScalar() is { } size and not DBNull ? Convert.ToInt64(size, CultureInfo.InvariantCulture) : (long?)null;
    }, ct);

    /// <summary>
    /// Stores the verified file at <paramref name="path"/> under <paramref name="sha256"/>, unless a replica already
    /// did (one writing it now makes this wait for its transaction, then find it done).
    /// </summary>
    /// <returns>True when this call stored it.</returns>
    public async Task<bool> PutAsync(string sha256, string path, CancellationToken ct)
    {
        var chunkBytes = options.Value.SharedArtifactChunkBytes;
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var connection = await db.OpenDedicatedAsync(ct).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await using (var claim = new NpgsqlCommand(
                    "INSERT INTO artifact_blobs(sha256, size, chunk_bytes, stored_at) VALUES (@sha, @size, @chunk, @at) ON CONFLICT (sha256) DO NOTHING",
                    connection, transaction))
                {
                    claim.Parameters.AddWithValue("sha", sha256);
                    claim.Parameters.AddWithValue("size", file.Length);
                    claim.Parameters.AddWithValue("chunk", chunkBytes);
                    claim.Parameters.AddWithValue("at", clock.GetUtcNow().ToDb());
                    if (await claim.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 0)
                    {
                        return false;
                    }
                }

                var import = await connection.BeginBinaryImportAsync("COPY artifact_chunks (sha256, seq, data) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false);
                await using (import.ConfigureAwait(false))
                {
                    var buffer = new byte[chunkBytes];
                    var seq = 0;
                    int read;
                    while ((read = await file.ReadAtLeastAsync(buffer, chunkBytes, throwOnEndOfStream: false, ct).ConfigureAwait(false)) > 0)
                    {
                        await import.StartRowAsync(ct).ConfigureAwait(false);
                        await import.WriteAsync(sha256, NpgsqlDbType.Text, ct).ConfigureAwait(false);
                        await import.WriteAsync(seq++, NpgsqlDbType.Integer, ct).ConfigureAwait(false);
                        await import.WriteAsync(new ArraySegment<byte>(buffer, 0, read), NpgsqlDbType.Bytea, ct).ConfigureAwait(false);
                    }

                    await import.CompleteAsync(ct).ConfigureAwait(false);
                }

                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return true;
            }
        }
    }

    /// <summary>Hands the bytes of <paramref name="sha256"/> to <paramref name="write"/> in order, a row at a time.</summary>
    /// <returns>False when no replica stored it.</returns>
    public async Task<bool> ReadAsync(string sha256, Func<ReadOnlyMemory<byte>, CancellationToken, Task> write, CancellationToken ct)
    {
        var connection = await db.OpenDedicatedAsync(ct).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // One snapshot for the blob row and its chunks: a sweep deleting it meanwhile is not seen half-way.
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await using (var exists = new NpgsqlCommand("SELECT 1 FROM artifact_blobs WHERE sha256 = @sha", connection, transaction))
                {
                    exists.Parameters.AddWithValue("sha", sha256);
                    if (await exists.ExecuteScalarAsync(ct).ConfigureAwait(false) is null)
                    {
                        return false;
                    }
                }

                await using var chunks = new NpgsqlCommand("SELECT data FROM artifact_chunks WHERE sha256 = @sha ORDER BY seq", connection, transaction);
                chunks.Parameters.AddWithValue("sha", sha256);
                var reader = await chunks.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        var data = await reader.GetFieldValueAsync<byte[]>(0, ct).ConfigureAwait(false);
                        await write(data, ct).ConfigureAwait(false);
                    }
                }

                return true;
            }
        }
    }

    /// <summary>Every shared artifact: its digest, size and when it was stored.</summary>
    public Task<List<(string Sha256, long Size, DateTimeOffset StoredAt)>> ListAsync(CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("SELECT sha256, size, stored_at FROM artifact_blobs ORDER BY sha256");
        using var reader = command.ExecuteReader();
        var all = new List<(string, long, DateTimeOffset)>();
        while (reader.Read())
        {
            all.Add((reader.GetString(0), reader.GetInt64(1), DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture)));
        }

        return all;
    }, ct);

    /// <summary>Removes a shared artifact and its chunks; a reader already under way keeps its snapshot.</summary>
    public Task DeleteAsync(string sha256, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("DELETE FROM artifact_blobs WHERE sha256 = @sha", ("@sha", sha256));
        command.ExecuteNonQuery();
    }, ct);
}
