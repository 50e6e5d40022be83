using System.Runtime.Versioning;
using Akd.Core.Releases;
using Akd.Core.Tests.Archives;

namespace Akd.Core.Tests.Releases;

[SupportedOSPlatform("linux")]
public sealed class ReleaseLayoutPruneTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ReleaseLayout _layout;

    public ReleaseLayoutPruneTests()
    {
        _layout = new ReleaseLayout(_temp.Combine("app"));
        _layout.EnsureCreated();
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ListReleases_MixedIds_OrdersOldestFirstByTimeInId()
    {
        // Created out of order, and a version that sorts the other way as text.
        Create("0.10.0-20261128T000000Z");
        Create("0.9.0-20261126T000000Z");
        Create("1.0.0-rc.1-20261127T000000Z");
        var legacy = Create("legacy");
        Directory.SetLastWriteTimeUtc(_layout.ReleaseDir(legacy), new DateTime(2026, 11, 26, 12, 0, 0, DateTimeKind.Utc));
        Directory.CreateDirectory(Path.Join(_layout.ReleasesDir, ".partial"));

        var releases = _layout.ListReleases();

        Assert.Equal(["0.9.0-20261126T000000Z", "legacy", "1.0.0-rc.1-20261127T000000Z", "0.10.0-20261128T000000Z"], releases);
    }

    [Fact]
    public void Prune_MoreThanKeep_RemovesOldestAndReturnsThem()
    {
        var ids = Enumerable.Range(1, 5).Select(day => Create($"0.1.{day}-202611{day:00}T000000Z")).ToList();
        _layout.SwitchCurrent(ids[^1]);

        var removed = _layout.Prune(2, []);

        Assert.Equal(ids[..3], removed);
        Assert.Equal(ids[3..], _layout.ListReleases());
        Assert.Empty(Directory.GetFileSystemEntries(_layout.ReleasesDir, ".*"));
    }

    [Fact]
    public void Prune_ProtectedAndCurrentAreOld_KeepsThem()
    {
        var ids = Enumerable.Range(1, 5).Select(day => Create($"0.1.{day}-202611{day:00}T000000Z")).ToList();
        _layout.SwitchCurrent(ids[0]);

        var removed = _layout.Prune(1, [ids[1]]);

        Assert.Equal([ids[2], ids[3]], removed);
        Assert.Equal([ids[0], ids[1], ids[4]], _layout.ListReleases());
        Assert.Equal(ids[0], _layout.CurrentReleaseId());
    }

    [Fact]
    public void Prune_ReleaseWithReadOnlyDirsAndLinks_DeletesWithoutFollowingLinks()
    {
        var outside = _temp.WriteFile("outside/keep.txt", "keep");
        var old = Create("0.1.0-20261101T000000Z");
        var dir = _layout.ReleaseDir(old);
        _temp.WriteFile($"app/releases/{old}/lib/app.beam", "beam", UnixFileMode.UserRead);
        File.CreateSymbolicLink(Path.Join(dir, "outside-dir"), Path.GetDirectoryName(outside)!);
        File.CreateSymbolicLink(Path.Join(dir, "outside-file"), outside);
        File.SetUnixFileMode(Path.Join(dir, "lib"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
        _layout.SwitchCurrent(Create("0.2.0-20261102T000000Z"));

        var removed = _layout.Prune(1, []);

        Assert.Equal([old], removed);
        Assert.False(Path.Exists(dir));
        Assert.Equal("keep", File.ReadAllText(outside));
    }

    [Fact]
    public void Prune_NegativeKeep_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _layout.Prune(-1, []));
    }

    [Fact]
    public void PreviousReleaseId_CurrentInMiddle_ReturnsTheOneBefore()
    {
        var ids = Enumerable.Range(1, 3).Select(day => Create($"0.1.{day}-202611{day:00}T000000Z")).ToList();
        _layout.SwitchCurrent(ids[1]);

        Assert.Equal(ids[0], _layout.PreviousReleaseId());
    }

    private string Create(string id)
    {
        Directory.CreateDirectory(_layout.ReleaseDir(id));
        return id;
    }
}
