using System.Globalization;
using Npgsql;

namespace Akd.Coordinator.Storage;

/// <summary>
/// The PostgreSQL side of <see cref="SchemaHistory"/>: numbered migrations, applied in order on start and recorded
/// in <c>schema_migrations</c>. Replicas starting together serialize on a session advisory lock, so exactly
/// one applies each migration and the others find it done. A released migration is never edited: a change
/// is a new entry at the end.
/// </summary>
internal static class PostgresMigrations
{
    /// <summary>The advisory lock key every coordinator takes while it migrates ("akd_migr").</summary>
    public const long LockKey = 0x616b645f6d696772;

    /// <summary>Every migration of <see cref="SchemaHistory"/> PostgreSQL applies, rendered as its script.</summary>
    public static readonly IReadOnlyList<(int Version, string Description, string Sql)> All =
        SchemaHistory.Migrations.Where(m => m.AppliesTo(StoreEngine.Postgres)).Select(m => (m.Version, m.Description, m.ToSql(StoreEngine.Postgres))).ToList();

    /// <summary>Applies every migration the database lacks, under the advisory lock; returns how many this call applied.</summary>
    /// <remarks>Synchronous: it runs once, in the store's constructor, before the host serves anything.</remarks>
    public static int Apply(NpgsqlDataSource source)
    {
        using var connection = source.OpenConnection();
        Execute(connection, null, "SELECT pg_advisory_lock(@key)", LockKey);
        try
        {
            Execute(connection, null, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)");
            using var current = connection.Command("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
            var version = Convert.ToInt32(current.ExecuteScalar(), CultureInfo.InvariantCulture);
            var applied = 0;
            foreach (var migration in All.Where(m => m.Version > version))
            {
                using var transaction = connection.BeginTransaction();
                Execute(connection, transaction, migration.Sql);
                using var record = connection.Command(
                    "INSERT INTO schema_migrations(version, description, applied_at) VALUES (@version, @description, @at)",
                    ("@version", migration.Version), ("@description", migration.Description), ("@at", DateTimeOffset.UtcNow.ToDb()));
                record.Transaction = transaction;
                record.ExecuteNonQuery();
                transaction.Commit();
                applied++;
            }

            return applied;
        }
        finally
        {
            Execute(connection, null, "SELECT pg_advisory_unlock(@key)", LockKey);
        }
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, long? key = null)
    {
        using var command = key is { } k ? connection.Command(sql, ("@key", k)) : connection.Command(sql);
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }
}
