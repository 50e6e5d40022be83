using Microsoft.Data.Sqlite;

namespace Akd.Coordinator.Storage;

/// <summary>
/// Additions to the first schema, applied idempotently at start-up, so a coordinator upgraded in
/// place keeps its history: new columns get defaults that describe the old rows correctly.
/// </summary>
internal static class SchemaUpgrades
{
    private static readonly (string Table, string Column, string Definition)[] Columns =
    [
        ("deployments", "kind", "TEXT NOT NULL DEFAULT 'deploy'"),
        ("deployments", "skipped_offline", "TEXT NOT NULL DEFAULT ''"),
        ("deployments", "cancelled_by", "TEXT NOT NULL DEFAULT ''"),
        ("deployments", "rollback_to", "TEXT NOT NULL DEFAULT ''"),
    ];

    private const string Tables = """
        CREATE TABLE IF NOT EXISTS deploy_locks (
            app TEXT NOT NULL,
            environment TEXT NOT NULL,
            deployment_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            actor TEXT NOT NULL,
            since TEXT NOT NULL,
            PRIMARY KEY (app, environment)
        );
        CREATE INDEX IF NOT EXISTS host_steps_host ON host_steps(host, finished_at);
        """;

    public static void Apply(SqliteConnection connection)
    {
        foreach (var (table, column, definition) in Columns)
        {
            if (!HasColumn(connection, table, column))
            {
                using var alter = connection.Command($"ALTER TABLE {table} ADD COLUMN {column} {definition}");
                alter.ExecuteNonQuery();
            }
        }

        using var create = connection.Command(Tables);
        create.ExecuteNonQuery();
    }

    private static bool HasColumn(SqliteConnection connection, string table, string column)
    {
        using var info = connection.Command($"SELECT 1 FROM pragma_table_info('{table}') WHERE name = $column", ("$column", column));
        return info.ExecuteScalar() is not null;
    }
}
