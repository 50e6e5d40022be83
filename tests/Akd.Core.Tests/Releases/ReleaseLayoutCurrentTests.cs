using System.Runtime.Versioning;
using Akd.Core.Releases;
using Akd.Core.Tests.Archives;

namespace Akd.Core.Tests.Releases;

[SupportedOSPlatform("linux")]
public sealed class ReleaseLayoutCurrentTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ReleaseLayout _layout;

    public ReleaseLayoutCurrentTests()
    {
        _layout = new ReleaseLayout(_temp.Combine("app"));
        _layout.EnsureCreated();
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void EnsureCreated_NewRoot_CreatesReleasesAndShared()
    {
        Assert.True(Directory.Exists(_layout.ReleasesDir));
        Assert.True(Directory.Exists(_layout.SharedDir));
        Assert.Equal(_temp.Combine("app", "shared", ".env"), _layout.EnvFile);
        Assert.Equal(_temp.Combine("app", "revisions.log"), _layout.RevisionsLog);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("")]
    public void ReleaseDir_UnsafeId_Throws(string id)
    {
        Assert.Throws<ArgumentException>(() => _layout.ReleaseDir(id));
    }

    [Fact]
    public void CurrentReleaseId_NoLink_ReturnsNull()
    {
        Assert.Null(_layout.CurrentReleaseId());
        Assert.Null(_layout.PreviousReleaseId());
    }

    [Fact]
    public void RemoveCurrent_LinkToARelease_RemovesOnlyTheLink()
    {
        var id = CreateRelease("0.1.0-20261126T193000Z");
        _layout.SwitchCurrent(id);

        _layout.RemoveCurrent();

        Assert.False(Path.Exists(_layout.CurrentLink));
        Assert.Null(_layout.CurrentReleaseId());
        Assert.True(Directory.Exists(_layout.ReleaseDir(id)));
    }

    [Fact]
    public void RemoveCurrent_CurrentIsADirectory_ThrowsAndLeavesIt()
    {
        Directory.CreateDirectory(_layout.CurrentLink);

        var error = Assert.Throws<IOException>(_layout.RemoveCurrent);

        Assert.Contains("not a symbolic link", error.Message);
        Assert.True(Directory.Exists(_layout.CurrentLink));
    }

    [Fact]
    public void SwitchCurrent_FirstRelease_CreatesRelativeSymlink()
    {
        var id = CreateRelease("0.1.0-20261126T193000Z");

        _layout.SwitchCurrent(id);

        Assert.Equal("releases/" + id, new FileInfo(_layout.CurrentLink).LinkTarget);
        Assert.Equal(id, _layout.CurrentReleaseId());
    }

    [Fact]
    public void SwitchCurrent_ExistingCurrent_ReplacesTheLinkAndLeavesNoTemporary()
    {
        var first = CreateRelease("0.1.0-20261126T193000Z");
        var second = CreateRelease("0.2.0-20261127T080000Z");
        _layout.SwitchCurrent(first);

        _layout.SwitchCurrent(second);

        var current = new FileInfo(_layout.CurrentLink);
        Assert.Equal("releases/" + second, current.LinkTarget);
        Assert.True(current.Attributes.HasFlag(FileAttributes.ReparsePoint), "current must stay a symlink");
        Assert.Equal(["app/current", "app/releases", "app/shared"], Directory.GetFileSystemEntries(_layout.Root).Select(p => Path.GetRelativePath(_temp.Path, p)).Order(StringComparer.Ordinal));
        Assert.True(Directory.Exists(Path.Join(_layout.ReleasesDir, first)), "the old release is kept");
        Assert.Equal(first, _layout.PreviousReleaseId());
    }

    [Fact]
    public void SwitchCurrent_MissingRelease_ThrowsAndKeepsCurrent()
    {
        var first = CreateRelease("0.1.0-20261126T193000Z");
        _layout.SwitchCurrent(first);

        Assert.Throws<DirectoryNotFoundException>(() => _layout.SwitchCurrent("9.9.9-20261127T080000Z"));

        Assert.Equal(first, _layout.CurrentReleaseId());
        Assert.Single(Directory.GetFileSystemEntries(_layout.Root, "current*"));
    }

    [Fact]
    public void CurrentReleaseId_AbsoluteCapistranoLink_ReturnsId()
    {
        var id = CreateRelease("0.1.0-20261126T193000Z");
        File.CreateSymbolicLink(_layout.CurrentLink, Path.Join(_layout.ReleasesDir, id));

        Assert.Equal(id, _layout.CurrentReleaseId());
    }

    [Fact]
    public void CurrentReleaseId_LinkOutsideReleases_Throws()
    {
        File.CreateSymbolicLink(_layout.CurrentLink, "shared");

        Assert.Throws<IOException>(() => _layout.CurrentReleaseId());
    }

    [Fact]
    public void CurrentReleaseId_CurrentIsDirectory_Throws()
    {
        Directory.CreateDirectory(_layout.CurrentLink);

        Assert.Throws<IOException>(() => _layout.CurrentReleaseId());
    }

    private string CreateRelease(string id)
    {
        Directory.CreateDirectory(_layout.ReleaseDir(id));
        return id;
    }
}
