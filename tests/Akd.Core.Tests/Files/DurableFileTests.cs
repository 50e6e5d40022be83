using System.Runtime.Versioning;
using Akd.Core.Files;
using Akd.Core.Tests.Archives;

namespace Akd.Core.Tests.Files;

[SupportedOSPlatform("linux")]
public sealed class DurableFileTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Write_ExistingFile_ReplacedWholeWithModeAndNoTemporaryLeft()
    {
        // Arrange
        var path = _dir.WriteFile("state.json", "old content that is longer than the new one", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        // Act
        DurableFile.Write(path, "new"u8, OwnerOnly);

        // Assert
        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        Assert.Equal(["state.json"], Directory.GetFileSystemEntries(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Write_MissingDirectory_CreatesIt()
    {
        // Arrange
        var path = _dir.Combine("shared", "nested", "state.json");

        // Act
        DurableFile.Write(path, "{}"u8, OwnerOnly);

        // Assert
        Assert.Equal("{}", File.ReadAllText(path));
    }

    [Fact]
    public void Write_TargetIsADirectory_ThrowsAndLeavesNoTemporary()
    {
        // Arrange
        var path = _dir.Combine("taken");
        Directory.CreateDirectory(path);

        // Act
        Assert.ThrowsAny<IOException>(() => DurableFile.Write(path, "x"u8, OwnerOnly));

        // Assert
        Assert.Equal(["taken"], Directory.GetFileSystemEntries(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void SyncDirectory_MissingDirectory_ThrowsWithItsName()
    {
        var error = Assert.Throws<IOException>(() => DurableFile.SyncDirectory(_dir.Combine("absent")));

        Assert.Contains("absent", error.Message, StringComparison.Ordinal);
    }
}
