using Akd.Contracts.V1;
using Akd.Coordinator.Storage;
using Akd.Testing;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Tests.Storage;

[Collection(StoreCollection.Name)]
public sealed class DeploymentStoreFleetTests(PostgresCluster cluster)
{

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task LatestManifest_SucceededDeployThenFailedOne_PrefersTheSucceededManifest(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await CreateAsync(db, "d-1", "app: hello # good", DeploymentState.Succeeded, minutesAgo: 10);
        await CreateAsync(db, "d-2", "app: hello # broken", DeploymentState.Failed, minutesAgo: 5);

        // Act
        var stored = await db.Deployments.LatestManifestAsync("hello", "", CancellationToken.None);

        // Assert
        Assert.Equal("d-1", stored?.DeploymentId);
        Assert.Equal("app: hello # good", stored?.Yaml);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task LatestManifest_OtherEnvironmentOnly_IsNull(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await CreateAsync(db, "d-1", "app: hello", DeploymentState.Succeeded, minutesAgo: 1, environment: "staging");

        // Act
        var stored = await db.Deployments.LatestManifestAsync("hello", "production", CancellationToken.None);

        // Assert
        Assert.Null(stored);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task LastKnownRelease_HostRolledBackInLaterDeployment_IsTheReleaseItWentBackTo(string engine)
    {
        // Arrange: d-1 put web-1 on A; d-2's B failed there and the host went back to A; d-3 skipped it.
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await CreateAsync(db, "d-1", "app: hello", DeploymentState.Succeeded, minutesAgo: 3);
        await db.Deployments.SetHostStepAsync("d-1", "web-1", StepKind.Activate, StepState.Succeeded, "A", "", CancellationToken.None);
        await Task.Delay(20);
        await CreateAsync(db, "d-2", "app: hello", DeploymentState.Failed, minutesAgo: 2);
        await db.Deployments.SetHostStepAsync("d-2", "web-1", StepKind.Activate, StepState.RolledBack, "A", "health failed", CancellationToken.None);
        await Task.Delay(20);
        await CreateAsync(db, "d-3", "app: hello", DeploymentState.Failed, minutesAgo: 1);
        await db.Deployments.SetHostStepAsync("d-3", "web-1", StepKind.Activate, StepState.Skipped, "", "not reached", CancellationToken.None);

        // Act
        var release = await db.Deployments.LastKnownReleaseAsync("hello", "", "web-1", CancellationToken.None);

        // Assert
        Assert.Equal("A", release);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task SetState_AfterTheDeploymentEnded_KeepsTheFinalState(string engine)
    {
        // Arrange: it succeeded just before a cancel request came in.
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await CreateAsync(db, "d-1", "app: hello", DeploymentState.Succeeded, minutesAgo: 1);

        // Act
        var changed = await db.Deployments.SetStateAsync("d-1", DeploymentState.Cancelling, null, finished: false, CancellationToken.None);
        await db.Deployments.SetCancelledByAsync("d-1", "bob@ci", CancellationToken.None);

        // Assert
        Assert.False(changed);
        var d = await db.Deployments.GetAsync("d-1", CancellationToken.None);
        Assert.Equal(DeploymentState.Succeeded, d?.State);
        Assert.Equal("", d?.CancelledBy);
    }

    /// <summary>SQLite only: PostgreSQL has versioned migrations from its first schema on (PostgresMigrationsTests).</summary>
    [Fact(Timeout = 10_000)]
    public async Task Database_OpenedOnFirstSchema_AddsFleetColumnsAndKeepsOldRows()
    {
        // Arrange: a database written by a coordinator before the fleet columns existed.
        var dir = Directory.CreateTempSubdirectory("akd-coord-old-").FullName;
        try
        {
            StoreSchema.CreateOldSqlite(dir, """
                    CREATE TABLE deployments (id TEXT PRIMARY KEY, app TEXT NOT NULL, environment TEXT NOT NULL, strategy TEXT NOT NULL,
                        state TEXT NOT NULL, actor TEXT NOT NULL, created_at TEXT NOT NULL, finished_at TEXT, manifest_sha256 TEXT NOT NULL,
                        manifest_yaml TEXT NOT NULL, source_sha256 TEXT NOT NULL, artifact_sha256 TEXT NOT NULL DEFAULT '',
                        version TEXT NOT NULL DEFAULT '', release_id TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '');
                    INSERT INTO deployments(id, app, environment, strategy, state, actor, created_at, finished_at, manifest_sha256, manifest_yaml, source_sha256)
                    VALUES ('d-old', 'hello', '', 'remote-build', 'succeeded', 'alice', '2026-01-01T00:00:00.0000000Z', '2026-01-01T00:01:00.0000000Z', 'ab', 'app: hello', '');
                    """);

            // Act
            using var upgraded = new SqliteDatabase(Options.Create(new CoordinatorOptions { DataDir = dir }));
            var store = new DeploymentStore(upgraded, TimeProvider.System);
            var old = await store.GetAsync("d-old", CancellationToken.None);

            // Assert
            Assert.Equal(DeploymentKind.Deploy, old?.Kind);
            Assert.Empty(old!.SkippedOffline);
            Assert.Null(await new DeployLockStore(upgraded, TimeProvider.System, Options.Create(new CoordinatorOptions { DataDir = dir })).GetAsync("hello", "", CancellationToken.None));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task UpgradePlan_KeptForADeploy_ReadBackAsWrittenAndNullForARestartDeploy(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await CreateAsync(db, "d-hot", "app: hello", DeploymentState.Running, minutesAgo: 1);
        await CreateAsync(db, "d-cold", "app: hello", DeploymentState.Running, minutesAgo: 1);
        var plan = new Contracts.V1.UpgradePlan { RelupFrom = "0.1.0", Blockers = { "erts changed" } };

        // Act
        await db.Deployments.SetUpgradePlanAsync("d-hot", plan, CancellationToken.None);
        await db.Deployments.SetUpgradePlanAsync("d-cold", null, CancellationToken.None);

        // Assert
        Assert.Equal(plan, await db.Deployments.UpgradePlanAsync("d-hot", CancellationToken.None));
        Assert.Null(await db.Deployments.UpgradePlanAsync("d-cold", CancellationToken.None));
        Assert.Null(await db.Deployments.UpgradePlanAsync("no-such-deployment", CancellationToken.None));
    }

    private static async Task CreateAsync(TempDatabase db, string id, string yaml, DeploymentState state, int minutesAgo, string environment = "")
    {
        var d = TempDatabase.NewDeployment(id, environment: environment);
        d.CreatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-minutesAgo));
        await db.Deployments.CreateAsync(d, yaml, CancellationToken.None);
        await db.Deployments.SetStateAsync(id, state, null, finished: true, CancellationToken.None);
    }
}
