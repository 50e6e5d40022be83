using System.Net.Sockets;
using Akd.Core.Files;
using Akd.Core.Tests.Archives;

namespace Akd.Core.Tests.Files;

/// <summary>The one recursive directory copy, on real trees with modes, links and a socket.</summary>
public sealed class DirectoryCopyTests : IDisposable
{
    private const UnixFileMode Rwxr_xr_x = (UnixFileMode)0b111_101_101;
    private const UnixFileMode Rw_______ = (UnixFileMode)0b110_000_000;
    private const UnixFileMode Rw_r_____ = (UnixFileMode)0b110_100_000;

    private readonly TempDirectory _temp = new();

    private string Source => _temp.Combine("src");

    private string Destination => _temp.Combine("dst");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Copy_FilesDirectoriesAndModes_CopiedWithTheirPermissionBits()
    {
        // Arrange: a release-like tree, a hidden file, and a set-uid file (which no copy may carry over).
        _temp.WriteFile("src/bin/app", "#!/bin/sh\n", Rwxr_xr_x);
        _temp.WriteFile("src/releases/0.1.0/sys.config", "[].", Rw_r_____);
        _temp.WriteFile("src/.secret", "k", Rw_______);
        _temp.WriteFile("src/lib/app-0.1.0/ebin/app.beam", "beam");
        _temp.WriteFile("src/bin/setuid", "x", (UnixFileMode)0b100_111_101_101);

        // Act
        DirectoryCopy.Copy(Source, Destination, LinkCopy.Skip, CancellationToken.None);

        // Assert
        Assert.Equal("#!/bin/sh\n", File.ReadAllText(Path.Combine(Destination, "bin/app")));
        Assert.Equal(Rwxr_xr_x, File.GetUnixFileMode(Path.Combine(Destination, "bin/app")));
        Assert.Equal(Rw_r_____, File.GetUnixFileMode(Path.Combine(Destination, "releases/0.1.0/sys.config")));
        Assert.Equal(Rw_______, File.GetUnixFileMode(Path.Combine(Destination, ".secret")));
        Assert.Equal("beam", File.ReadAllText(Path.Combine(Destination, "lib/app-0.1.0/ebin/app.beam")));
        Assert.Equal(Rwxr_xr_x, File.GetUnixFileMode(Path.Combine(Destination, "bin/setuid")));
    }

    [Fact]
    public void Copy_LinksSkipped_NeitherTheLinksNorWhatTheyPointToAreCopied()
    {
        // Arrange: a link inside the tree and one to a directory outside it.
        _temp.WriteFile("src/archives/hex-2.0.6/ebin/hex.beam", "hex");
        _temp.WriteFile("outside/secret", "not for the app");
        File.CreateSymbolicLink(Path.Combine(Source, "archives/current"), "hex-2.0.6");
        File.CreateSymbolicLink(Path.Combine(Source, "archives/escape"), _temp.Combine("outside"));

        // Act
        DirectoryCopy.Copy(Source, Destination, LinkCopy.Skip, CancellationToken.None);

        // Assert
        Assert.Equal(["hex-2.0.6"], Directory.EnumerateFileSystemEntries(Path.Combine(Destination, "archives")).Select(Path.GetFileName));
        Assert.Equal("hex", File.ReadAllText(Path.Combine(Destination, "archives/hex-2.0.6/ebin/hex.beam")));
    }

    [Fact]
    public void Copy_LinksRecreated_SameTargetsRelativeKeptAndOutsideNeverFollowed()
    {
        // Arrange
        _temp.WriteFile("src/releases/0.2.0/start.boot", "boot");
        _temp.WriteFile("outside/secret", "not for the release");
        File.CreateSymbolicLink(Path.Combine(Source, "releases/current"), "0.2.0");
        File.CreateSymbolicLink(Path.Combine(Source, "escape"), _temp.Combine("outside"));

        // Act
        DirectoryCopy.Copy(Source, Destination, LinkCopy.Recreate, CancellationToken.None);

        // Assert: links again, with the very targets; the outside directory's file was not copied into the tree.
        Assert.Equal("0.2.0", new DirectoryInfo(Path.Combine(Destination, "releases/current")).LinkTarget);
        Assert.Equal("boot", File.ReadAllText(Path.Combine(Destination, "releases/current/start.boot")));
        Assert.Equal(_temp.Combine("outside"), new DirectoryInfo(Path.Combine(Destination, "escape")).LinkTarget);
        Assert.Equal(["escape", "releases"], Directory.EnumerateFileSystemEntries(Destination).Select(Path.GetFileName).Order());
        Assert.Equal(["0.2.0", "current"], Directory.EnumerateFileSystemEntries(Path.Combine(Destination, "releases")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Copy_LeaveOutAtTop_OnlyThoseTopLevelNamesLeftOut()
    {
        // Arrange: a checkout whose top-level .git and deps stay behind, and a vendored dir of the same name deeper down.
        _temp.WriteFile("src/mix.exs", "defmodule App.MixProject do end");
        _temp.WriteFile("src/.git/HEAD", "ref: refs/heads/main");
        _temp.WriteFile("src/deps/jason/mix.exs", "jason");
        _temp.WriteFile("src/vendor/deps/keep", "kept");

        // Act
        DirectoryCopy.Copy(Source, Destination, LinkCopy.Recreate, CancellationToken.None, new HashSet<string>(StringComparer.Ordinal) { ".git", "deps" });

        // Assert
        Assert.Equal(["mix.exs", "vendor"], Directory.EnumerateFileSystemEntries(Destination).Select(Path.GetFileName).Order());
        Assert.Equal("kept", File.ReadAllText(Path.Combine(Destination, "vendor/deps/keep")));
    }

    [Fact]
    public void CopyStaged_LeftoverStaging_ReplacedAndRenamedIntoPlace()
    {
        // Arrange: what a killed earlier attempt left in the staging directory.
        _temp.WriteFile("src/ebin/app.beam", "new");
        _temp.WriteFile("lib/.app.partial/stale", "half of an earlier copy");

        // Act
        DirectoryCopy.CopyStaged(Source, _temp.Combine("lib/app"), _temp.Combine("lib/.app.partial"), LinkCopy.Recreate, CancellationToken.None);

        // Assert
        Assert.Equal(["app"], Directory.EnumerateFileSystemEntries(_temp.Combine("lib")).Select(Path.GetFileName));
        Assert.Equal(["ebin"], Directory.EnumerateFileSystemEntries(_temp.Combine("lib/app")).Select(Path.GetFileName));
        Assert.Equal("new", File.ReadAllText(_temp.Combine("lib/app/ebin/app.beam")));
    }

    [Fact]
    public void CopyStaged_Cancelled_NeitherDestinationNorStagingLeft()
    {
        // Arrange
        _temp.WriteFile("src/a/b/c", "c");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        // Act
        Assert.ThrowsAny<OperationCanceledException>(() =>
            DirectoryCopy.CopyStaged(Source, _temp.Combine("lib/app"), _temp.Combine("lib/app.akd-partial"), LinkCopy.Recreate, cancelled.Token));

        // Assert
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Combine("lib")));
    }

    [Fact]
    public void CopyStaged_AnEntryThatCannotBeCopied_FailsLeavingNeitherDestinationNorStaging()
    {
        // Arrange: a Unix socket among ordinary files: open(2) refuses it, so the copy fails part way.
        _temp.WriteFile("src/a/first", "1");
        _temp.WriteFile("src/z/last", "2");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(Path.Combine(Source, "m.sock")));
        Directory.CreateDirectory(_temp.Combine("lib"));

        // Act
        Assert.ThrowsAny<IOException>(() =>
            DirectoryCopy.CopyStaged(Source, _temp.Combine("lib/app"), _temp.Combine("lib/.app.partial"), LinkCopy.Skip, CancellationToken.None));

        // Assert
        Assert.Empty(Directory.EnumerateFileSystemEntries(_temp.Combine("lib")));
    }
}
