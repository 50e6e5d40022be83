namespace Akd.Coordinator.Storage;

/// <summary>
/// The store's schema, once for both engines: an ordered list of migrations. PostgreSQL applies each number once
/// (<see cref="PostgresMigrations"/>); SQLite applies every change idempotently on each start (<see cref="SqliteSchema"/>).
/// A change to the schema is one new entry at the end, in portable terms; never edit a released entry.
/// </summary>
internal static class SchemaHistory
{
    public static readonly IReadOnlyList<SchemaMigration> Migrations =
    [
        new(1, "the store as SQLite keeps it: agents, identities, tokens, deployments, steps, events, locks, uploads",
        [
            new CreateTable("agents",
            [
                Key("name"), Text("labels"), Text("agent_version"), Text("toolchain"), Text("hostname"), Text("state"),
                Text("last_seen"), Nullable("connected_at"),
            ]),
            new CreateTable("deployments",
            [
                Key("id"), Text("app"), Text("environment"), Text("strategy"), Text("state"), Text("actor"), Text("created_at"),
                Nullable("finished_at"), Text("manifest_sha256"), Text("manifest_yaml"), Text("source_sha256"),
                Text("artifact_sha256", ""), Text("version", ""), Text("release_id", ""), Text("error", ""),
                Text("kind", "deploy"), Text("skipped_offline", ""), Text("cancelled_by", ""), Text("rollback_to", ""),
            ]),
            new CreateIndex("deployments_app", "deployments", "app, created_at"),
            new CreateTable("host_steps",
            [
                Text("deployment_id") with { Constraint = "REFERENCES deployments(id)" }, Text("host"), Text("step"), Text("state"),
                Text("release_id", ""), Text("message", ""), Nullable("started_at"), Nullable("finished_at"),
            ], PrimaryKey: "deployment_id, host, step"),
            new CreateIndex("host_steps_host", "host_steps", "host, finished_at"),
            new CreateTable("events",
            [
                new Column("seq", ColumnType.Identity), Text("deployment_id") with { Constraint = "REFERENCES deployments(id)" },
                Text("at"), new Column("kind", ColumnType.Integer), Text("host"), Text("step"), Text("state"), Text("message"),
                Text("stream"), Text("release_id"), Text("version"),
            ]),
            new CreateIndex("events_deployment", "events", "deployment_id, seq"),
            new CreateTable("deploy_locks",
            [
                Text("app"), Text("environment"), Text("deployment_id"), Text("kind"), Text("actor"), Text("since"),
            ], PrimaryKey: "app, environment"),
            new CreateTable("join_tokens",
            [
                Key("id"), Text("secret_hash"), Text("labels"), Text("name"), Text("name_prefix"), Text("expires_at"),
                new Column("uses_left", ColumnType.Integer), Text("created_by"), Text("created_at"),
            ]),
            new CreateTable("agent_identities",
            [
                Key("name"), Text("labels"), Text("enrolled_at"), Nullable("revoked_at"), Text("join_token"),
            ]),
            new CreateTable("agent_certificates", [Key("serial"), Text("name"), Text("issued_at"), Text("not_after")]),
            new CreateTable("operator_tokens",
            [
                Key("id"), Text("name") with { Constraint = "UNIQUE" }, Text("role"), Text("secret_hash"), Text("created_by"),
                Text("created_at"), Nullable("expires_at"), Nullable("revoked_at"),
            ]),
            new CreateTable("artifact_uploads", [Key("sha256"), Text("kind"), Text("uploaded_by"), Text("step_id"), Text("at")]),
        ]),
        new(2, "deployments.upgrade_plan: the build's hot-upgrade plan, kept for a rollout resumed after a restart",
        [
            new AddColumn("deployments", Text("upgrade_plan", "")),
        ]),
        new(3, "where each host's release came from: bytes from the coordinator and from peers",
        [
            new CreateTable("artifact_deliveries",
            [
                Text("deployment_id"), Text("host"), new Column("from_coordinator", ColumnType.BigInteger),
                new Column("from_peers", ColumnType.BigInteger),
            ], PrimaryKey: "deployment_id, host"),
        ]),
        new(4, "replicas: each coordinator's heartbeat, the replica holding each agent's stream and driving each deployment",
        [
            new CreateTable("replicas", [Key("id"), Text("started_at"), Text("heartbeat")]),
            new AddColumn("agents", Text("replica", "")),
            new AddColumn("deployments", Text("replica", "")),
        ]),
        new(5, "routed messages: steps, cancels and acks to the replica holding an agent's stream, and its events and results back",
        [
            new CreateTable("routed_messages",
            [
                new Column("id", ColumnType.Identity), Text("to_replica"), Text("from_replica"), Text("agent"), Text("step_id"),
                Text("kind"), Text("body"), Text("at"),
            ]),
            new CreateIndex("routed_messages_to", "routed_messages", "to_replica, id"),
        ]),
        new(6, "shared artifacts (fixed-size bytea chunks per digest) and the shared CA, so every replica serves every artifact and trusts one CA",
        [
            new CreateTable("artifact_blobs",
            [
                Key("sha256"), new Column("size", ColumnType.BigInteger), new Column("chunk_bytes", ColumnType.Integer), Text("stored_at"),
            ]),
            new CreateTable("artifact_chunks",
            [
                Text("sha256") with { Constraint = "REFERENCES artifact_blobs(sha256) ON DELETE CASCADE" },
                new Column("seq", ColumnType.Integer), new Column("data", ColumnType.Bytes),
            ], PrimaryKey: "sha256, seq"),
            new EngineStatement(StoreEngine.Postgres, "ALTER TABLE artifact_chunks ALTER COLUMN data SET STORAGE EXTERNAL"),
            new CreateTable("coordinator_ca",
            [
                new Column("id", ColumnType.Integer, NotNull: false, Constraint: "PRIMARY KEY CHECK (id = 1)"), Text("certificate"),
                Text("private_key"), Text("created_by"), Text("created_at"),
            ]),
            new EngineStatement(StoreEngine.Postgres, "REVOKE ALL ON coordinator_ca FROM PUBLIC"),
        ], Only: StoreEngine.Postgres),
        new(7, "host_steps.state_unknown: a step decided without the host's answer, which a result that comes later may still correct",
        [
            // Until now such a row was known by the words its message ends with (HostUnknown.Note).
            new AddColumn("host_steps", new Column("state_unknown", ColumnType.Integer, Default: "0"),
                Backfill: "UPDATE host_steps SET state_unknown = 1 WHERE state = 'failed' AND message LIKE '%(the host''s state is unknown)'"),
        ]),
        new(8, "change markers: when each enrolled agent and operator token last changed, and removed agents, so a replica's sync reads only what changed",
        [
            new AddColumn("agent_identities", Text("changed_at", "")),
            new CreateIndex("agent_identities_changed", "agent_identities", "changed_at"),
            new AddColumn("operator_tokens", Text("changed_at", "")),
            new CreateTable("agent_removals", [Key("name"), Text("removed_at")]),
            new CreateIndex("agent_removals_at", "agent_removals", "removed_at"),
        ]),
    ];

    /// <summary>The tables only one engine has: those created by a migration limited to it.</summary>
    public static IEnumerable<string> TablesOnlyOn(StoreEngine engine) =>
        Migrations.Where(m => m.Only == engine).SelectMany(m => m.Changes).OfType<CreateTable>().Select(t => t.Name);

    private static Column Key(string name) => new(name, ColumnType.Text, NotNull: false, Constraint: "PRIMARY KEY");

    /// <summary>Text, NOT NULL; with <paramref name="default"/>, its default as a string literal.</summary>
    private static Column Text(string name, string? @default = null) =>
        new(name, ColumnType.Text, Default: @default is null ? null : $"'{@default}'");

    private static Column Nullable(string name) => new(name, ColumnType.Text, NotNull: false);
}
