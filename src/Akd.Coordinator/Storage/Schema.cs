namespace Akd.Coordinator.Storage;

internal static class Schema
{
    public const string Sql = """
        CREATE TABLE IF NOT EXISTS agents (
            name TEXT PRIMARY KEY,
            labels TEXT NOT NULL,
            agent_version TEXT NOT NULL,
            toolchain TEXT NOT NULL,
            hostname TEXT NOT NULL,
            state TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            connected_at TEXT
        );
        CREATE TABLE IF NOT EXISTS deployments (
            id TEXT PRIMARY KEY,
            app TEXT NOT NULL,
            environment TEXT NOT NULL,
            strategy TEXT NOT NULL,
            state TEXT NOT NULL,
            actor TEXT NOT NULL,
            created_at TEXT NOT NULL,
            finished_at TEXT,
            manifest_sha256 TEXT NOT NULL,
            manifest_yaml TEXT NOT NULL,
            source_sha256 TEXT NOT NULL,
            artifact_sha256 TEXT NOT NULL DEFAULT '',
            version TEXT NOT NULL DEFAULT '',
            release_id TEXT NOT NULL DEFAULT '',
            error TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX IF NOT EXISTS deployments_app ON deployments(app, created_at);
        CREATE TABLE IF NOT EXISTS host_steps (
            deployment_id TEXT NOT NULL REFERENCES deployments(id),
            host TEXT NOT NULL,
            step TEXT NOT NULL,
            state TEXT NOT NULL,
            release_id TEXT NOT NULL DEFAULT '',
            message TEXT NOT NULL DEFAULT '',
            started_at TEXT,
            finished_at TEXT,
            PRIMARY KEY (deployment_id, host, step)
        );
        CREATE TABLE IF NOT EXISTS events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            deployment_id TEXT NOT NULL REFERENCES deployments(id),
            at TEXT NOT NULL,
            kind INTEGER NOT NULL,
            host TEXT NOT NULL,
            step TEXT NOT NULL,
            state TEXT NOT NULL,
            message TEXT NOT NULL,
            stream TEXT NOT NULL,
            release_id TEXT NOT NULL,
            version TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS events_deployment ON events(deployment_id, seq);
        """;
}
