using System.Data.Common;

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
        ("deployments", "upgrade_plan", "TEXT NOT NULL DEFAULT ''"),
        ("deployments", "replica", "TEXT NOT NULL DEFAULT ''"),
        ("agents", "replica", "TEXT NOT NULL DEFAULT ''"),
    ];

    /// <summary>PostgreSQL migration 7's counterpart (change markers), applied after <see cref="Tables"/>, which creates their tables.</summary>
    private static readonly (string Table, string Column, string Definition)[] ChangeMarkerColumns =
    [
        ("agent_identities", "changed_at", "TEXT NOT NULL DEFAULT ''"),
        ("operator_tokens", "changed_at", "TEXT NOT NULL DEFAULT ''"),
    ];

    private const string ChangeMarkers = """
        CREATE INDEX IF NOT EXISTS agent_identities_changed ON agent_identities(changed_at);
        CREATE TABLE IF NOT EXISTS agent_removals (
            name TEXT PRIMARY KEY,
            removed_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS agent_removals_at ON agent_removals(removed_at);
        """;

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
        CREATE TABLE IF NOT EXISTS join_tokens (
            id TEXT PRIMARY KEY,
            secret_hash TEXT NOT NULL,
            labels TEXT NOT NULL,
            name TEXT NOT NULL,
            name_prefix TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            uses_left INTEGER NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS agent_identities (
            name TEXT PRIMARY KEY,
            labels TEXT NOT NULL,
            enrolled_at TEXT NOT NULL,
            revoked_at TEXT,
            join_token TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS agent_certificates (
            serial TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            issued_at TEXT NOT NULL,
            not_after TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS operator_tokens (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL,
            secret_hash TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT,
            revoked_at TEXT
        );
        CREATE TABLE IF NOT EXISTS replicas (
            id TEXT PRIMARY KEY,
            started_at TEXT NOT NULL,
            heartbeat TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS routed_messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            to_replica TEXT NOT NULL,
            from_replica TEXT NOT NULL,
            agent TEXT NOT NULL,
            step_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            body TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS artifact_uploads (
            sha256 TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            uploaded_by TEXT NOT NULL,
            step_id TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS artifact_deliveries (
            deployment_id TEXT NOT NULL,
            host TEXT NOT NULL,
            from_coordinator INTEGER NOT NULL,
            from_peers INTEGER NOT NULL,
            PRIMARY KEY (deployment_id, host)
        );
        """;

    public static void Apply(DbConnection connection)
    {
        AddColumns(connection, Columns);
        using var create = connection.Command(Tables);
        create.ExecuteNonQuery();
        AddColumns(connection, ChangeMarkerColumns);
        using var markers = connection.Command(ChangeMarkers);
        markers.ExecuteNonQuery();
    }

    private static void AddColumns(DbConnection connection, (string Table, string Column, string Definition)[] columns)
    {
        foreach (var (table, column, definition) in columns)
        {
            if (!HasColumn(connection, table, column))
            {
                using var alter = connection.Command($"ALTER TABLE {table} ADD COLUMN {column} {definition}");
                alter.ExecuteNonQuery();
            }
        }
    }

    private static bool HasColumn(DbConnection connection, string table, string column)
    {
        using var info = connection.Command($"SELECT 1 FROM pragma_table_info('{table}') WHERE name = $column", ("$column", column));
        return info.ExecuteScalar() is not null;
    }
}
