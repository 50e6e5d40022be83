using Akd.Contracts.V1;
using Akd.Coordinator.Storage;
using Akd.Testing;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Tests.Storage;

/// <summary>
/// A real store, removed after the test: SQLite in a scratch directory, or a fresh database on the
/// test PostgreSQL cluster (created, migrated as a coordinator would, dropped at the end).
/// </summary>
internal sealed class TempDatabase : IDisposable, IAsyncDisposable
{
    private readonly PostgresCluster? _cluster;
    private readonly string? _postgresDatabase;

    /// <summary>SQLite, as the coordinator's default.</summary>
    public TempDatabase()
        : this(null, null)
    {
    }

    private readonly bool _ownsPostgresDatabase;
    private int _disposed;

    private TempDatabase(PostgresCluster? cluster, string? postgresDatabase, bool ownsPostgresDatabase = true)
    {
        _cluster = cluster;
        _postgresDatabase = postgresDatabase;
        _ownsPostgresDatabase = ownsPostgresDatabase;
        Dir = Directory.CreateTempSubdirectory("akd-coord-test-").FullName;
        Database = postgresDatabase is null
            ? new SqliteDatabase(Options.Create(new CoordinatorOptions { DataDir = Dir }))
            : new PostgresDatabase(cluster!.ConnectionString(postgresDatabase));
        Deployments = new DeploymentStore(Database, TimeProvider.System);
        Locks = new DeployLockStore(Database, TimeProvider.System, Options.Create(new CoordinatorOptions { DataDir = Dir }));
        Events = new EventStore(Database);
        Agents = new AgentStore(Database, TimeProvider.System);
        Identities = new IdentityStore(Database, TimeProvider.System);
        OperatorTokens = new OperatorTokenStore(Database);
        Uploads = new ArtifactUploadStore(Database, TimeProvider.System);
        Replicas = new ReplicaStore(Database, TimeProvider.System);
    }

    public string Dir { get; }

    /// <summary>The PostgreSQL connection string of this store (null on SQLite): another coordinator's view of the same database.</summary>
    public string? ConnectionString => _postgresDatabase is null ? null : _cluster!.ConnectionString(_postgresDatabase);

    public Database Database { get; }

    public DeploymentStore Deployments { get; }

    public DeployLockStore Locks { get; }

    public EventStore Events { get; }

    public AgentStore Agents { get; }

    public IdentityStore Identities { get; }

    public OperatorTokenStore OperatorTokens { get; }

    public ArtifactUploadStore Uploads { get; }

    public ReplicaStore Replicas { get; }

    /// <summary>A store on <paramref name="engine"/> (<see cref="StoreEngines"/>); PostgreSQL skips the test when no cluster runs.</summary>
    public static async Task<TempDatabase> OpenAsync(string engine, PostgresCluster cluster, CancellationToken ct = default)
    {
        if (engine == StoreEngines.Sqlite)
        {
            return new TempDatabase();
        }

        var name = await cluster.CreateDatabaseAsync(ct);
        return new TempDatabase(cluster, name);
    }

    /// <summary>
    /// The same PostgreSQL database as another coordinator sees it: its own connections and stores, and a
    /// scratch dir of its own; the database is dropped by the store that created it, not by this one.
    /// </summary>
    public TempDatabase OtherCoordinator() =>
        _postgresDatabase is null
            ? throw new InvalidOperationException("SQLite has one coordinator per database")
            : new TempDatabase(_cluster, _postgresDatabase, ownsPostgresDatabase: false);

    public static Deployment NewDeployment(string id, string app = "hello", string environment = "", DeploymentKind kind = DeploymentKind.Deploy, string actor = "alice@box") => new()
    {
        Id = id,
        Kind = kind,
        App = app,
        Environment = environment,
        Strategy = "remote-build",
        State = DeploymentState.Pending,
        Actor = actor,
        CreatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        ManifestSha256 = "00",
    };

    public static DeployLock LockFor(Deployment d) =>
        new(d.App, d.Environment, d.Id, d.Kind, d.Actor, d.CreatedAt.ToDateTimeOffset());

    /// <summary>Idempotent: a harness that was handed this store disposes it, and so may the test that opened it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Database.Dispose();
        Directory.Delete(Dir, recursive: true);
    }

    public async ValueTask DisposeAsync()
    {
        Dispose();
        if (_postgresDatabase is not null && _ownsPostgresDatabase)
        {
            await _cluster!.DropDatabaseAsync(_postgresDatabase, CancellationToken.None);
        }
    }
}
