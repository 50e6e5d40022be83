-- The SQLite schema a coordinator created and upgraded up to commit c854c45 (Schema.cs + SchemaUpgrades.cs), as
-- sqlite3 .schema prints it: SchemaTests opens a database made from it and compares it with a fresh one.
CREATE TABLE agents (
    name TEXT PRIMARY KEY,
    labels TEXT NOT NULL,
    agent_version TEXT NOT NULL,
    toolchain TEXT NOT NULL,
    hostname TEXT NOT NULL,
    state TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    connected_at TEXT
, replica TEXT NOT NULL DEFAULT '');
CREATE TABLE deployments (
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
, kind TEXT NOT NULL DEFAULT 'deploy', skipped_offline TEXT NOT NULL DEFAULT '', cancelled_by TEXT NOT NULL DEFAULT '', rollback_to TEXT NOT NULL DEFAULT '', upgrade_plan TEXT NOT NULL DEFAULT '', replica TEXT NOT NULL DEFAULT '');
CREATE INDEX deployments_app ON deployments(app, created_at);
CREATE TABLE host_steps (
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
CREATE TABLE events (
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
CREATE INDEX events_deployment ON events(deployment_id, seq);
CREATE TABLE deploy_locks (
    app TEXT NOT NULL,
    environment TEXT NOT NULL,
    deployment_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    since TEXT NOT NULL,
    PRIMARY KEY (app, environment)
);
CREATE INDEX host_steps_host ON host_steps(host, finished_at);
CREATE TABLE join_tokens (
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
CREATE TABLE agent_identities (
    name TEXT PRIMARY KEY,
    labels TEXT NOT NULL,
    enrolled_at TEXT NOT NULL,
    revoked_at TEXT,
    join_token TEXT NOT NULL
);
CREATE TABLE agent_certificates (
    serial TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    not_after TEXT NOT NULL
);
CREATE TABLE operator_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);
CREATE TABLE replicas (
    id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    heartbeat TEXT NOT NULL
);
CREATE TABLE routed_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    to_replica TEXT NOT NULL,
    from_replica TEXT NOT NULL,
    agent TEXT NOT NULL,
    step_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE artifact_uploads (
    sha256 TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    step_id TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE artifact_deliveries (
    deployment_id TEXT NOT NULL,
    host TEXT NOT NULL,
    from_coordinator INTEGER NOT NULL,
    from_peers INTEGER NOT NULL,
    PRIMARY KEY (deployment_id, host)
);
