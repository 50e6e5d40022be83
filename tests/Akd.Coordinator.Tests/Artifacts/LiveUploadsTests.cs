using System.Security.Cryptography;
using Akd.Coordinator.Artifacts;
using Akd.Coordinator.Tests.Storage;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Tests.Artifacts;

/// <summary>Cut-through: a build's upload read while it arrives, on a real artifact store and real files.</summary>
public sealed class LiveUploadsTests : IDisposable
{
    private readonly TempDatabase _db = new();
    private readonly ArtifactStore _store;
    private readonly LiveUploads _live;

    public LiveUploadsTests()
    {
        var options = Options.Create(new CoordinatorOptions { DataDir = _db.Dir });
        _store = new ArtifactStore(options);
        _live = new LiveUploads(options, TimeProvider.System);
    }

    public void Dispose() => _db.Dispose();

    [Fact(Timeout = 20_000)]
    public async Task ReadAsync_FollowerStartedBeforeTheData_ReceivesEveryByteWhileItArrivesThenTheDigest()
    {
        // Arrange: a build of d-1 expected on "build", its upload begun, nothing written yet.
        var content = RandomNumberGenerator.GetBytes(300_000);
        using var expected = _live.ExpectBuild("build", "d-1", ["web-1", "web-2"]);
        await using var upload = _store.BeginUpload(content.Length);
        var live = _live.Begin("build", content.Length, upload.TempPath, _store.PathFor)!;
        var received = new MemoryStream();
        var firstByte = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string? digest = null;

        // Act: the follower reads while the upload is written in three parts; the first part reaches it before
        // the second is written.
        var follower = LiveUploadReader.ReadAsync(live, 0, 64 * 1024, (data, sha256) =>
        {
            received.Write(data.Span);
            firstByte.TrySetResult();
            digest = sha256 ?? digest;
            return Task.CompletedTask;
        }, CancellationToken.None);
        Write(upload, live, content.AsMemory(0, 100_000));
        await firstByte.Task;
        var beforeSecondPart = received.Length;
        Write(upload, live, content.AsMemory(100_000, 150_000));
        Write(upload, live, content.AsMemory(250_000));
        Assert.False(follower.IsCompleted, "the follower must wait for the digest");
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        await upload.CommitAsync(sha, CancellationToken.None);
        live.Stored(sha);
        await follower;

        // Assert
        Assert.Equal(["web-1", "web-2"], live.Readers.Order());
        Assert.Equal("d-1", live.DeploymentId);
        Assert.InRange(beforeSecondPart, 1, 100_000);
        Assert.Equal(content, received.ToArray());
        Assert.Equal(sha, digest);
    }

    [Fact(Timeout = 20_000)]
    public async Task ReadAsync_StartedAfterTheUploadWasStored_ReadsTheStoredArtifact()
    {
        // Arrange: the upload is stored (its temp file moved) before the follower starts.
        var content = RandomNumberGenerator.GetBytes(70_000);
        using var expected = _live.ExpectBuild("build", "d-1", ["web-1"]);
        await using var upload = _store.BeginUpload(content.Length);
        var live = _live.Begin("build", content.Length, upload.TempPath, _store.PathFor)!;
        Write(upload, live, content);
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        await upload.CommitAsync(sha, CancellationToken.None);
        live.Stored(sha);
        var received = new MemoryStream();

        // Act: from an offset, as a resumed follower asks.
        await LiveUploadReader.ReadAsync(live, 1000, 4096, (data, _) =>
        {
            received.Write(data.Span);
            return Task.CompletedTask;
        }, CancellationToken.None);

        // Assert
        Assert.Equal(content.AsSpan(1000).ToArray(), received.ToArray());
    }

    [Fact(Timeout = 20_000)]
    public async Task ReadAsync_UploadFailsMidWay_FollowerGetsTheBytesThenInvalidData()
    {
        // Arrange
        using var expected = _live.ExpectBuild("build", "d-1", ["web-1"]);
        var upload = _store.BeginUpload(100_000);
        var live = _live.Begin("build", 100_000, upload.TempPath, _store.PathFor)!;
        Write(upload, live, new byte[40_000]);
        long received = 0;
        var follower = LiveUploadReader.ReadAsync(live, 0, 8192, (data, _) =>
        {
            received += data.Length;
            return Task.CompletedTask;
        }, CancellationToken.None);

        // Act: the uploader goes away; the temp file is deleted.
        await upload.DisposeAsync();
        live.Failed("the uploader disconnected");

        // Assert
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => follower);
        Assert.Contains("the uploader disconnected", error.Message);
        Assert.True(received <= 40_000);
    }

    [Fact]
    public void Begin_NoBuildOrTwoBuildsExpectedOnTheAgent_NoLiveUpload()
    {
        // Arrange
        var temp = Path.Combine(_db.Dir, "x.part");
        var none = _live.Begin("build", 10, temp, _store.PathFor);
        var first = _live.ExpectBuild("build", "d-1", ["web-1"]);
        var second = _live.ExpectBuild("build", "d-2", ["web-2"]);

        // Act
        var ambiguous = _live.Begin("build", 10, temp, _store.PathFor);
        second.Dispose();
        var one = _live.Begin("build", 10, temp, _store.PathFor);
        first.Dispose();
        var ended = _live.Begin("build", 10, temp, _store.PathFor);

        // Assert
        Assert.Null(none);
        Assert.Null(ambiguous);
        Assert.Equal("d-1", one?.DeploymentId);
        Assert.Same(one, _live.Find(one!.Id));
        Assert.Null(ended);
    }

    private static void Write(ArtifactStore.PendingUpload upload, LiveUpload live, ReadOnlyMemory<byte> data)
    {
        upload.Write(data.Span);
        live.Grew(upload.Written);
    }
}
