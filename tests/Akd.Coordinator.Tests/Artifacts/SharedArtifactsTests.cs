using System.Security.Cryptography;
using Akd.Contracts.V1;
using Akd.Coordinator.Artifacts;
using Akd.Coordinator.Deployments;
using Akd.Coordinator.Storage;
using Akd.Coordinator.Tests.Storage;
using Akd.Testing;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Akd.Coordinator.Tests.Artifacts;

/// <summary>
/// PostgreSQL only: two replicas' artifact stores, each with a data dir of its own, on one real database. What one
/// stores the other serves; the sweep holds for the shared copies.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class SharedArtifactsTests(PostgresCluster cluster)
{
    [SkippableFact(Timeout = 60_000)]
    public async Task LocalPathAsync_StoredOnOtherReplica_FetchedOnceVerifiedAndIdentical()
    {
        // Arrange: replica a stores 3.5 chunks' worth of random bytes (chunks of 64 KiB, so the last row is short).
        await using var db = await TempDatabase.OpenAsync(StoreEngines.Postgres, cluster);
        using var other = db.OtherCoordinator();
        var a = StoreOn(db);
        var b = StoreOn(other);
        var content = RandomNumberGenerator.GetBytes((64 * 1024 * 7) / 2);
        var sha = await UploadAsync(a, content);

        // Act: b is asked its size, then for its file by several callers at once.
        var size = await b.SizeOfAsync(sha, CancellationToken.None);
        var paths = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => b.LocalPathAsync(sha, CancellationToken.None)));
        var missing = await b.LocalPathAsync(new string('0', 64), CancellationToken.None);

        // Assert
        Assert.Equal(content.Length, size);
        Assert.All(paths, p => Assert.Equal(b.PathFor(sha), p));
        Assert.Equal(content, await File.ReadAllBytesAsync(b.PathFor(sha)));
        Assert.Null(missing);
        Assert.Empty(Directory.GetFiles(Path.Combine(other.Dir, "artifacts", "tmp")));
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task LocalPathAsync_SharedCopyCorrupted_RefusedAndNothingKept()
    {
        // Arrange: a stores an artifact; a byte of one of its rows is flipped in the database.
        await using var db = await TempDatabase.OpenAsync(StoreEngines.Postgres, cluster);
        using var other = db.OtherCoordinator();
        var sha = await UploadAsync(StoreOn(db), RandomNumberGenerator.GetBytes(100_000));
        await using (var connection = new NpgsqlConnection(db.ConnectionString))
        {
            await connection.OpenAsync();
            await using var corrupt = new NpgsqlCommand("UPDATE artifact_chunks SET data = set_byte(data, 10, (get_byte(data, 10) + 1) % 256) WHERE seq = 1", connection);
            Assert.Equal(1, await corrupt.ExecuteNonQueryAsync());
        }

        var b = StoreOn(other);

        // Act
        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => b.LocalPathAsync(sha, CancellationToken.None));

        // Assert
        Assert.Contains(sha, refused.Message);
        Assert.Null(b.SizeOf(sha));
        Assert.Empty(Directory.GetFiles(Path.Combine(other.Dir, "artifacts", "tmp")));
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task CollectAsync_OnOtherReplica_UnusedSharedCopiesDeletedInUseAndRunningKept()
    {
        // Arrange: three finished deploys of hello stored through a (KeepArtifactsPerApp = 1); web-1 still runs the first
        // release (a hot upgrade builds its relup from it). Every artifact is old enough to sweep.
        await using var db = await TempDatabase.OpenAsync(StoreEngines.Postgres, cluster);
        using var other = db.OtherCoordinator();
        var a = StoreOn(db);
        var releases = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var release = await UploadAsync(a, RandomNumberGenerator.GetBytes(1000 + i));
            var d = TempDatabase.NewDeployment($"d-{i}");
            d.CreatedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(i - 10));
            await db.Deployments.CreateAsync(d, "app: hello", CancellationToken.None);
            await db.Deployments.SetBuildAsync(d.Id, release, "0.1.0", $"0.1.0-{i}", CancellationToken.None);
            await db.Deployments.SetStateAsync(d.Id, DeploymentState.Succeeded, null, finished: true, CancellationToken.None);
            releases.Add(release);
        }

        await db.Deployments.SetHostStepAsync("d-0", "web-1", StepKind.Activate, StepState.Succeeded, "0.1.0-0", "", CancellationToken.None);
        var options = Options.Create(new CoordinatorOptions { DataDir = other.Dir, KeepArtifactsPerApp = 1, ArtifactGrace = TimeSpan.Zero, SharedArtifactChunkBytes = 64 * 1024 });
        var b = StoreOn(other, options);
        var collector = new ArtifactCollector(b, other.Deployments, options, TimeProvider.System, NullLogger<ArtifactCollector>.Instance);

        // Act: b, which never had a file of them, sweeps.
        await collector.CollectAsync(CancellationToken.None);

        // Assert: the release web-1 runs and the newest deploy's stay for every replica; the middle one is gone.
        Assert.NotNull(await b.SizeOfAsync(releases[0], CancellationToken.None));
        Assert.NotNull(await b.SizeOfAsync(releases[2], CancellationToken.None));
        Assert.Null(await b.SizeOfAsync(releases[1], CancellationToken.None));
        Assert.Equal(releases.Count - 1, (await a.ListSharedAsync(CancellationToken.None)).Count);
    }

    private static ArtifactStore StoreOn(TempDatabase db, IOptions<CoordinatorOptions>? options = null)
    {
        options ??= Options.Create(new CoordinatorOptions { DataDir = db.Dir, SharedArtifactChunkBytes = 64 * 1024 });
        return new ArtifactStore(options, new ArtifactChunkStore((PostgresDatabase)db.Database, options, TimeProvider.System));
    }

    /// <summary>As ArtifactsService.Upload does: written, verified, committed here, then published to the replicas.</summary>
    private static async Task<string> UploadAsync(ArtifactStore store, byte[] content)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        await using (var upload = store.BeginUpload(content.Length))
        {
            upload.Write(content);
            await upload.CommitAsync(sha, CancellationToken.None);
        }

        await store.PublishAsync(sha, CancellationToken.None);
        return sha;
    }
}
