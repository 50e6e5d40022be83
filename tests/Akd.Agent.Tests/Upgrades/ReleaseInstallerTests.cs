using Akd.Agent.Upgrades;

namespace Akd.Agent.Tests.Upgrades;

/// <summary>Copying a new release version into a running release's root, checked on small trees of files.</summary>
public sealed class ReleaseInstallerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("akd-release-installer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Install_NewReleaseLibIsALink_RefusedAndNothingCopiedThroughIt()
    {
        // Arrange: release 0.2.0 (with a relup) whose lib/secret-1.0 points at a directory outside the release.
        Write("next/releases/0.2.0/relup", "{\"0.2.0\",[],[]}.\n");
        Write("next/lib/counter-0.2.0/ebin/counter.app", "{application,counter,[]}.\n");
        Write("outside/private.key", "not for the running release");
        Directory.CreateSymbolicLink(Path.Combine(_dir, "next", "lib", "secret-1.0"), Path.Combine(_dir, "outside"));
        Directory.CreateDirectory(Path.Combine(_dir, "running", "lib"));

        // Act
        var ex = Assert.Throws<HotUpgradeException>(() =>
            ReleaseInstaller.Install(Path.Combine(_dir, "next"), Path.Combine(_dir, "running"), "0.2.0", CancellationToken.None));

        // Assert
        Assert.Contains("lib/secret-1.0 as a symbolic link", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "running", "lib", "secret-1.0", "private.key")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_dir, "running", "lib")));
        Assert.False(Directory.Exists(Path.Combine(_dir, "running", "releases", "0.2.0")));
    }

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
