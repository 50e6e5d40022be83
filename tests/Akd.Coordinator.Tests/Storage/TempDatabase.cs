using Akd.Contracts.V1;
using Akd.Coordinator.Storage;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Tests.Storage;

/// <summary>A real SQLite store in a scratch directory, removed after the test.</summary>
internal sealed class TempDatabase : IDisposable
{
    public TempDatabase()
    {
        Dir = Directory.CreateTempSubdirectory("akd-coord-test-").FullName;
        Database = new SqliteDatabase(Options.Create(new CoordinatorOptions { DataDir = Dir }));
        Deployments = new DeploymentStore(Database, TimeProvider.System);
        Locks = new DeployLockStore(Database);
    }

    public string Dir { get; }

    public Database Database { get; }

    public DeploymentStore Deployments { get; }

    public DeployLockStore Locks { get; }

    public static Deployment NewDeployment(string id, string app = "hello", string environment = "", string kind = "deploy", string actor = "alice@box") => new()
    {
        Id = id,
        Kind = kind,
        App = app,
        Environment = environment,
        Strategy = "remote-build",
        State = "pending",
        Actor = actor,
        CreatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        ManifestSha256 = "00",
    };

    public static DeployLock LockFor(Deployment d) =>
        new(d.App, d.Environment, d.Id, d.Kind, d.Actor, d.CreatedAt.ToDateTimeOffset());

    public void Dispose()
    {
        Database.Dispose();
        Directory.Delete(Dir, recursive: true);
    }
}
