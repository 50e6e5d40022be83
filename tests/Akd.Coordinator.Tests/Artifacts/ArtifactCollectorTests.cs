using System.Security.Cryptography;
using System.Text;
using Akd.Contracts.V1;
using Akd.Coordinator.Artifacts;
using Akd.Coordinator.Deployments;
using Akd.Coordinator.Tests.Storage;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Tests.Artifacts;

/// <summary>The artifact sweep against a real SQLite store and real files.</summary>
public sealed class ArtifactCollectorTests : IDisposable
{
    private static readonly DateTimeOffset LongAgo = DateTimeOffset.UtcNow.AddDays(-3);
    private readonly TempDatabase _db = new();
    private readonly ArtifactStore _store;
    private readonly ArtifactCollector _collector;

    public ArtifactCollectorTests()
    {
        var options = Options.Create(new CoordinatorOptions { DataDir = _db.Dir, KeepArtifactsPerApp = 2, ArtifactGrace = TimeSpan.FromHours(1) });
        _store = new ArtifactStore(options);
        _collector = new ArtifactCollector(_store, _db.Deployments, options, TimeProvider.System, NullLogger<ArtifactCollector>.Instance);
    }

    public void Dispose() => _db.Dispose();

    [Fact(Timeout = 10_000)]
    public async Task CollectAsync_OlderDeploysAndOrphans_DeletedNewestRunningAndYoungKept()
    {
        // Arrange: four finished deploys of hello (source + release each), one still running, one of
        // another app, an old orphan and an orphan stored a minute ago.
        var deploys = new List<(string Source, string Release)>();
        for (var i = 0; i < 4; i++)
        {
            deploys.Add(await DeployAsync($"d-{i}", "hello", i, finished: true));
        }

        var running = await DeployAsync("d-running", "hello", 5, finished: false);
        var other = await DeployAsync("d-other", "billing", 0, finished: true);
        var oldOrphan = Store("orphan", LongAgo);
        var youngOrphan = Store("just uploaded", DateTimeOffset.UtcNow.AddMinutes(-1));

        // Act
        var (count, bytes) = await _collector.CollectAsync(CancellationToken.None);

        // Assert: hello keeps its two newest deploys (the running one and d-3), billing its one; the older
        // hello files and the old orphan are gone, the young orphan stays.
        string[] gone = [deploys[0].Source, deploys[0].Release, deploys[1].Source, deploys[1].Release, deploys[2].Source, deploys[2].Release, oldOrphan];
        string[] kept = [deploys[3].Source, deploys[3].Release, running.Source, running.Release, other.Source, other.Release, youngOrphan];
        Assert.All(gone, sha => Assert.Null(_store.SizeOf(sha)));
        Assert.All(kept, sha => Assert.NotNull(_store.SizeOf(sha)));
        Assert.Equal(gone.Length, count);
        Assert.True(bytes > 0);
    }

    [Fact(Timeout = 10_000)]
    public async Task CollectAsync_SecondSweep_DeletesNothingMore()
    {
        // Arrange
        for (var i = 0; i < 3; i++)
        {
            await DeployAsync($"d-{i}", "hello", i, finished: true);
        }

        await _collector.CollectAsync(CancellationToken.None);

        // Act
        var (count, _) = await _collector.CollectAsync(CancellationToken.None);

        // Assert
        Assert.Equal(0, count);
        Assert.Equal(4, _store.List().Count());
    }

    [Fact(Timeout = 10_000)]
    public async Task CollectAsync_ReleaseAHostStillRuns_KeptPastKeepPerAppForItsRelup()
    {
        // Arrange: web-1 was last reported on d-0's release; four newer deploys never reached it (KeepArtifactsPerApp = 2).
        var deploys = new List<(string Source, string Release)>();
        for (var i = 0; i < 4; i++)
        {
            deploys.Add(await DeployAsync($"d-{i}", "hello", i, finished: true));
        }

        await _db.Deployments.SetHostStepAsync("d-0", "web-1", StepKind.Activate, StepState.Succeeded, "0.1.0-0", "", CancellationToken.None);
        await _db.Deployments.SetHostStepAsync("d-1", "web-1", StepKind.Activate, StepState.Failed, "0.1.0-1", "", CancellationToken.None);

        // Act
        await _collector.CollectAsync(CancellationToken.None);

        // Assert: d-0's release stays (a hot upgrade of web-1 builds its relup from it); its source and d-1's files go.
        Assert.NotNull(_store.SizeOf(deploys[0].Release));
        Assert.Null(_store.SizeOf(deploys[0].Source));
        Assert.Null(_store.SizeOf(deploys[1].Release));
    }

    [Fact(Timeout = 10_000)]
    public async Task CollectAsync_AbandonedPartialUpload_DeletedWhileAFreshOneIsKept()
    {
        // Arrange: what a killed upload leaves behind, and an upload still being written.
        var tmp = Path.Combine(_db.Dir, "artifacts", "tmp");
        var abandoned = Path.Combine(tmp, "upload.dead.part");
        var live = Path.Combine(tmp, "upload.live.part");
        File.WriteAllBytes(abandoned, new byte[4096]);
        File.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow.AddHours(-2));
        File.WriteAllBytes(live, new byte[4096]);

        // Act
        await _collector.CollectAsync(CancellationToken.None);

        // Assert
        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(live));
    }

    private async Task<(string Source, string Release)> DeployAsync(string id, string app, int minute, bool finished)
    {
        var source = Store($"{id} source", LongAgo);
        var release = Store($"{id} release", LongAgo);
        var d = TempDatabase.NewDeployment(id, app: app);
        d.CreatedAt = Timestamp.FromDateTimeOffset(LongAgo.AddMinutes(minute));
        d.SourceSha256 = source;
        await _db.Deployments.CreateAsync(d, "app: " + app, CancellationToken.None);
        await _db.Deployments.SetBuildAsync(id, release, "0.1.0", $"0.1.0-{minute}", CancellationToken.None);
        if (finished)
        {
            await _db.Deployments.SetStateAsync(id, DeploymentState.Succeeded, null, finished: true, CancellationToken.None);
        }

        return (source, release);
    }

    private string Store(string content, DateTimeOffset storedAt)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var path = _store.PathFor(sha);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        File.SetLastWriteTimeUtc(path, storedAt.UtcDateTime);
        return sha;
    }
}
