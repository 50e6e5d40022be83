using System.Formats.Tar;
using System.IO.Compression;
using System.Runtime.Versioning;
using Akd.Core.Archives;

namespace Akd.Core.Tests.Archives;

[SupportedOSPlatform("linux")]
public sealed class TarGzTests : IDisposable
{
    private const UnixFileMode Executable = (UnixFileMode)0x1ED; // 0755
    private const UnixFileMode ReadWrite = (UnixFileMode)0x1A4; // 0644
    private static readonly DateTime FixedTime = new(2026, 11, 26, 19, 30, 0, DateTimeKind.Utc);

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact(Timeout = TestArchives.TimeoutMs)]
    public async Task CreateFromDirectoryAsync_ReleaseTree_RoundTripsModesLinksAndTimes()
    {
        // Arrange
        var source = _temp.Combine("src");
        var script = _temp.WriteFile("src/bin/hello", "#!/bin/sh\necho hi\n", Executable);
        var data = _temp.WriteFile("src/lib/hello-0.1.0/priv/data.txt", "payload", ReadWrite);
        File.CreateSymbolicLink(_temp.Combine("src/bin/data"), "../lib/hello-0.1.0/priv/data.txt");
        File.SetLastWriteTimeUtc(script, FixedTime);
        File.SetLastWriteTimeUtc(data, FixedTime);
        var archive = new MemoryStream();

        // Act
        await TarGz.CreateFromDirectoryAsync(source, archive, CancellationToken.None);
        archive.Position = 0;
        var target = _temp.Combine("out");
        await SafeExtractor.ExtractAsync(archive, target, CancellationToken.None);

        // Assert
        Assert.Equal(TestArchives.ListTree(source), TestArchives.ListTree(target));
        Assert.Equal(Executable, File.GetUnixFileMode(Path.Join(target, "bin/hello")));
        Assert.Equal(ReadWrite, File.GetUnixFileMode(Path.Join(target, "lib/hello-0.1.0/priv/data.txt")));
        Assert.Equal(FixedTime, File.GetLastWriteTimeUtc(Path.Join(target, "bin/hello")));
        Assert.Equal("#!/bin/sh\necho hi\n", File.ReadAllText(Path.Join(target, "bin/hello")));
        var link = new FileInfo(Path.Join(target, "bin/data"));
        Assert.Equal("../lib/hello-0.1.0/priv/data.txt", link.LinkTarget);
        Assert.Equal("payload", File.ReadAllText(link.FullName));
    }

    [Fact(Timeout = TestArchives.TimeoutMs)]
    public async Task CreateFromDirectoryAsync_SameTree_WritesSortedIdenticalArchives()
    {
        // Arrange
        _temp.WriteFile("src/b.txt", "b");
        _temp.WriteFile("src/a/z.txt", "z");
        _temp.WriteFile("src/a-b", "dash");
        var first = new MemoryStream();
        var second = new MemoryStream();

        // Act
        await TarGz.CreateFromDirectoryAsync(_temp.Combine("src"), first, CancellationToken.None);
        await TarGz.CreateFromDirectoryAsync(_temp.Combine("src"), second, CancellationToken.None);

        // Assert
        Assert.Equal(first.ToArray(), second.ToArray());
        Assert.Equal(["a/", "a-b", "a/z.txt", "b.txt"], EntryNames(first));
    }

    [Fact(Timeout = TestArchives.TimeoutMs)]
    public async Task CreateFromDirectoryAsync_Always_LeavesOutputOpen()
    {
        // Arrange
        _temp.WriteFile("src/a.txt", "a");
        var output = new MemoryStream();

        // Act
        await TarGz.CreateFromDirectoryAsync(_temp.Combine("src"), output, CancellationToken.None);

        // Assert
        Assert.True(output.CanWrite);
        Assert.True(output.Length > 0);
    }

    [Fact(Timeout = TestArchives.TimeoutMs)]
    public async Task CreateFromDirectoryAsync_TreeWithFifo_SkipsFifo()
    {
        // Arrange
        _temp.WriteFile("src/a.txt", "a");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [_temp.Combine("src/pipe")]))
        {
            await mkfifo.WaitForExitAsync();
        }

        var output = new MemoryStream();

        // Act
        await TarGz.CreateFromDirectoryAsync(_temp.Combine("src"), output, CancellationToken.None);

        // Assert
        Assert.Equal(["a.txt"], EntryNames(output));
    }

    [Fact(Timeout = TestArchives.TimeoutMs)]
    public async Task CreateFromFilesAsync_ListedFiles_ArchivesOnlyThemWithParentDirectories()
    {
        // Arrange
        _temp.WriteFile("src/mix.exs", "mix");
        _temp.WriteFile("src/lib/app/server.ex", "server");
        _temp.WriteFile("src/lib/other.ex", "not listed");
        File.CreateSymbolicLink(_temp.Combine("src/link.ex"), "lib/app/server.ex");
        var output = new MemoryStream();

        // Act
        await TarGz.CreateFromFilesAsync(_temp.Combine("src"), ["mix.exs", "lib/app/server.ex", "link.ex"], output, CancellationToken.None);

        // Assert
        Assert.Equal(["lib/", "lib/app/", "lib/app/server.ex", "link.ex", "mix.exs"], EntryNames(output));
        output.Position = 0;
        await SafeExtractor.ExtractAsync(output, _temp.Combine("out"), CancellationToken.None);
        Assert.Equal("server", File.ReadAllText(_temp.Combine("out/link.ex")));
    }

    [Theory(Timeout = TestArchives.TimeoutMs)]
    [InlineData("../escape")]
    [InlineData("/etc/passwd")]
    [InlineData("a/./b")]
    public async Task CreateFromFilesAsync_PathNotPlainRelative_Throws(string path)
    {
        // Arrange
        var output = new MemoryStream();

        // Act
        var act = () => TarGz.CreateFromFilesAsync(_temp.Path, [path], output, CancellationToken.None);

        // Assert
        await Assert.ThrowsAsync<ArgumentException>(act);
    }

    private static List<string> EntryNames(MemoryStream archive)
    {
        archive.Position = 0;
        using var gzip = new GZipStream(archive, CompressionMode.Decompress, leaveOpen: true);
        using var reader = new TarReader(gzip);
        var names = new List<string>();
        while (reader.GetNextEntry() is { } entry)
        {
            names.Add(entry.Name);
        }

        return names;
    }
}
