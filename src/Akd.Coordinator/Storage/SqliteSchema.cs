using System.Data.Common;

namespace Akd.Coordinator.Storage;

/// <summary>
/// SQLite's side of <see cref="SchemaHistory"/>: every change meant for SQLite, applied idempotently at start-up,
/// so a coordinator upgraded in place keeps its history. SQLite has one coordinator per database, so no version
/// table and no lock are needed: what the database already has is skipped.
/// </summary>
internal static class SqliteSchema
{
    public static void Apply(DbConnection connection)
    {
        foreach (var migration in SchemaHistory.Migrations.Where(m => m.AppliesTo(StoreEngine.Sqlite)))
        {
            foreach (var change in migration.Changes)
            {
                change.ApplySqlite(connection);
            }
        }
    }
}
