using Akd.Agent;
using Akd.Agent.Artifacts;

namespace Akd.Agent.Tests;

/// <summary>The agent's artifact cache pruning, on real files.</summary>
public sealed class ArtifactCacheTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("akd-agent-cache-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public void Prune_OverTheCap_DeletesLeastRecentlyUsedUntilUnderAndKeepsRecentOnes()
    {
        // Arrange: four 1 KiB artifacts under a 2.5 KiB cap, used 4, 3, 2 hours ago and just now.
        var cache = new ArtifactCache(new AgentOptions { DataDir = _dataDir, ArtifactCacheMaxBytes = 2560 }, TimeProvider.System);
        var oldest = Write(cache, "a", 1024, TimeSpan.FromHours(4));
        var older = Write(cache, "b", 1024, TimeSpan.FromHours(3));
        var old = Write(cache, "c", 1024, TimeSpan.FromHours(2));
        var fresh = Write(cache, "d", 1024, TimeSpan.Zero);

        // Act
        var deleted = cache.Prune();

        // Assert
        Assert.Equal(["a", "b"], deleted);
        Assert.False(File.Exists(oldest));
        Assert.False(File.Exists(older));
        Assert.True(File.Exists(old));
        Assert.True(File.Exists(fresh));
    }

    [Fact]
    public void Prune_ArtifactsUsedInTheLastMinutes_KeptEvenOverTheCap()
    {
        // Arrange: a running step may be about to unpack what it just downloaded.
        var cache = new ArtifactCache(new AgentOptions { DataDir = _dataDir, ArtifactCacheMaxBytes = 100 }, TimeProvider.System);
        var justDownloaded = Write(cache, "a", 1024, TimeSpan.FromMinutes(1));

        // Act
        var deleted = cache.Prune();

        // Assert
        Assert.Empty(deleted);
        Assert.True(File.Exists(justDownloaded));
    }

    [Fact]
    public void Prune_AbandonedPartialDownload_DeletedWhileAFreshOneStays()
    {
        // Arrange
        var cache = new ArtifactCache(new AgentOptions { DataDir = _dataDir }, TimeProvider.System);
        var abandoned = Write(cache, "a.part", 10, TimeSpan.FromDays(2));
        var resuming = Write(cache, "b.part", 10, TimeSpan.FromMinutes(5));

        // Act
        cache.Prune();

        // Assert
        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(resuming));
    }

    private static string Write(ArtifactCache cache, string name, int bytes, TimeSpan age)
    {
        Directory.CreateDirectory(cache.Dir);
        var path = Path.Combine(cache.Dir, name);
        File.WriteAllBytes(path, new byte[bytes]);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - age);
        return path;
    }
}
