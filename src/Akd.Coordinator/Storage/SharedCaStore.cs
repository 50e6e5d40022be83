using Npgsql;

namespace Akd.Coordinator.Storage;

/// <summary>
/// PostgreSQL only: the CA every replica signs with, in <c>coordinator_ca</c> (one row). The first replica to start
/// creates it under a transaction-scoped advisory lock, so replicas starting together make one CA; later ones load it.
/// The private key is a PKCS#8 PEM in a table no role but its owner (the coordinator's, which ran the migrations) may
/// read: <c>REVOKE ALL ... FROM PUBLIC</c>. Synchronous, as the migrations: it runs once, before Kestrel starts.
/// </summary>
public sealed class SharedCaStore(PostgresDatabase db)
{
    /// <summary>The advisory lock key a replica holds while it looks for, or creates, the CA ("akd_ca__").</summary>
    public const long LockKey = 0x616b645f63615f5f;

    /// <summary>The stored CA, or the one <paramref name="create"/> makes when none is stored yet (then stored).</summary>
    /// <param name="createdBy">Who created it, for the row: the replica's id.</param>
    /// <returns>The CA's certificate and key as PEM, and whether this call stored it.</returns>
    public (string CertificatePem, string KeyPem, bool Created) LoadOrCreate(string createdBy, Func<(string CertificatePem, string KeyPem)> create)
    {
        using var connection = db.OpenDedicated();
        using var transaction = connection.BeginTransaction();
        using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", LockKey);
            lockCommand.ExecuteNonQuery();
        }

        using (var select = new NpgsqlCommand("SELECT certificate, private_key FROM coordinator_ca WHERE id = 1", connection, transaction))
        using (var reader = select.ExecuteReader())
        {
            if (reader.Read())
            {
                return (reader.GetString(0), reader.GetString(1), false);
            }
        }

        var (certificatePem, keyPem) = create();
        using (var insert = new NpgsqlCommand(
            "INSERT INTO coordinator_ca(id, certificate, private_key, created_by, created_at) VALUES (1, @certificate, @key, @by, @at)", connection, transaction))
        {
            insert.Parameters.AddWithValue("certificate", certificatePem);
            insert.Parameters.AddWithValue("key", keyPem);
            insert.Parameters.AddWithValue("by", createdBy);
            insert.Parameters.AddWithValue("at", DateTimeOffset.UtcNow.ToDb());
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
        return (certificatePem, keyPem, true);
    }
}
