using System.Formats.Tar;
using System.IO.Compression;
using System.Runtime.Versioning;
using Akd.Core.Archives;
using static Akd.Core.Tests.Archives.TestArchives;

namespace Akd.Core.Tests.Archives;

/// <summary>
/// Hostile archives are extracted into <c>sandbox/dest</c>; every refusal also checks that nothing
/// appeared in the sandbox beside <c>dest</c> (or at the absolute path the archive named).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class SafeExtractorTests : IDisposable
{
    private readonly TempDirectory _sandbox = new();

    private string Destination => _sandbox.Combine("dest");

    public void Dispose() => _sandbox.Dispose();

    [Fact(Timeout = TimeoutMs)]
    public async Task ExtractAsync_ParentTraversal_ThrowsAndWritesNothingOutside()
    {
        var archive = Build(File("../x"));

        var error = await Assert.ThrowsAsync<UnsafeArchiveException>(() => ExtractAsync(archive));

        Assert.Equal("../x", error.EntryName);
        Assert.Contains("archive entry '../x' escapes the target directory", error.Message);
        AssertNothingOutside();
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ExtractAsync_AbsolutePath_ThrowsAndWritesNothingThere()
    {
        var absolute = _sandbox.Combine("absolute", "x");
        var archive = Build(File(absolute));

        var error = await Assert.ThrowsAsync<UnsafeArchiveException>(() => ExtractAsync(archive));

        Assert.Equal(absolute, error.EntryName);
        Assert.False(Path.Exists(absolute));
        AssertNothingOutside();
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ExtractAsync_DeepTraversalThatReturnsInside_Extracts()
    {
        var archive = Build(File("a/b/../../c.txt", "fine"));

        await ExtractAsync(archive);

        Assert.Equal("fine", System.IO.File.ReadAllText(Path.Join(Destination, "c.txt")));
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData("../../etc")]
    [InlineData("/etc")]
    [InlineData("sub/../..")]
    public async Task ExtractAsync_SymlinkPointingOutside_ThrowsAndCreatesNoLink(string target)
    {
        var archive = Build(Directory("sub/"), Symlink("evil", target), File("evil/passwd"));

        var error = await Assert.ThrowsAsync<UnsafeArchiveException>(() => ExtractAsync(archive));

        Assert.Equal("evil", error.EntryName);
        Assert.False(Path.Exists(Path.Join(Destination, "evil")));
        AssertNothingOutside();
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ExtractAsync_FileWrittenThroughLinkThatLaterEscapes_Throws()
    {
        // `x -> d/..` is inside while d is missing; `d -> .` then turns x into the sandbox itself.
        var archive = Build(Symlink("x", "d/.."), Symlink("d", "."), File("x/escaped"));

        var error = await Assert.ThrowsAsync<UnsafeArchiveException>(() => ExtractAsync(archive));

        Assert.Equal("x/escaped", error.EntryName);
        Assert.False(Path.Exists(_sandbox.Combine("escaped")));
        AssertNothingOutside();
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ExtractAsync_LinkRedirectedOutsideByLaterEntry_ThrowsAtEnd()
    {
        var archive = Build(Symlink("x", "d/.."), Symlink("d", "."));

        var error = await Assert.ThrowsAsync<UnsafeArchiveException>(() => ExtractAsync(archive));

        Assert.Equal("x", error.EntryName);
        AssertNothingOutside();
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ExtractAsync_FileThroughInternalLink_WritesInsideTarget()
    {
        var archive = Build(Directory("real/"), Symlink("alias", "real"), Symlink("self", "."), File("alias/a.txt", "a"), File("self/b.txt", "b"));

        await ExtractAsync(archive);

        Assert.Equal("a", System.IO.File.ReadAllText(Path.Join(Destination, "real/a.txt")));
        Assert.Equal("b", System.IO.File.ReadAllText(Path.Join(Destination, "b.txt")));
        Assert.Equal("real", new FileInfo(Path.Join(Destination, "alias")).LinkTarget);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ExtractAsync_FileReplacingEarlierLink_ReplacesLinkNotItsTarget()
    {
        var archive = Build(File("target.txt", "original"), Symlink("f", "target.txt"), File("f", "new"));

        await ExtractAsync(archive);

        Assert.Equal("original", System.IO.File.ReadAllText(Path.Join(Destination, "target.txt")));
        Assert.Null(new FileInfo(Path.Join(Destination, "f")).LinkTarget);
        Assert.Equal("new", System.IO.File.ReadAllText(Path.Join(Destination, "f")));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ExtractAsync_HardLinkOutside_ThrowsAndCopiesNothing()
    {
        _sandbox.WriteFile("secret.txt", "secret");
        var archive = Build(HardLink("h", "../secret.txt"));

        var error = await Assert.ThrowsAsync<UnsafeArchiveException>(() => ExtractAsync(archive));

        Assert.Equal("h", error.EntryName);
        Assert.False(Path.Exists(Path.Join(Destination, "h")));
        Assert.Equal(["dest", "secret.txt"], ListTree(_sandbox.Path));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ExtractAsync_HardLinkThroughLinkOutside_Throws()
    {
        _sandbox.WriteFile("secret.txt", "secret");
        var archive = Build(Symlink("up", "."), HardLink("h", "up/../secret.txt"));

        await Assert.ThrowsAsync<UnsafeArchiveException>(() => ExtractAsync(archive));

        Assert.False(Path.Exists(Path.Join(Destination, "h")));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ExtractAsync_HardLinkInside_CopiesTheFile()
    {
        var archive = Build(File("a.txt", "same"), HardLink("b.txt", "a.txt"));

        await ExtractAsync(archive);

        Assert.Equal("same", System.IO.File.ReadAllText(Path.Join(Destination, "b.txt")));
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData(TarEntryType.Fifo)]
    [InlineData(TarEntryType.CharacterDevice)]
    [InlineData(TarEntryType.BlockDevice)]
    public async Task ExtractAsync_DeviceOrFifo_Throws(TarEntryType type)
    {
        var archive = Build(new PaxTarEntry(type, "node"));

        var error = await Assert.ThrowsAsync<UnsafeArchiveException>(() => ExtractAsync(archive));

        Assert.Equal("node", error.EntryName);
        Assert.False(Path.Exists(Path.Join(Destination, "node")));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ExtractAsync_SetUidBit_IsDropped()
    {
        var entry = File("bin/tool");
        entry.Mode = (UnixFileMode)0xFED; // 07755
        var archive = Build(entry);

        await ExtractAsync(archive);

        Assert.Equal((UnixFileMode)0x1ED, System.IO.File.GetUnixFileMode(Path.Join(Destination, "bin/tool")));
    }

    [Theory(Timeout = TimeoutMs)]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o' })]
    [InlineData(new byte[] { 0x50, 0x4b, 0x03, 0x04 })]
    public async Task ExtractAsync_NotGzip_ThrowsClearError(byte[] input)
    {
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ExtractAsync(new MemoryStream(input)));

        Assert.StartsWith("not a tar.gz archive", error.Message);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ExtractAsync_GzipOfNonTar_ThrowsClearError()
    {
        var input = new MemoryStream();
        using (var gzip = new GZipStream(input, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("not a tar header ", 100))));
        }

        input.Position = 0;

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ExtractAsync(input));

        Assert.StartsWith("not a tar.gz archive", error.Message);
    }

    private Task ExtractAsync(Stream archive) => SafeExtractor.ExtractAsync(archive, Destination, CancellationToken.None);

    private void AssertNothingOutside() => Assert.Equal(["dest"], ListTree(_sandbox.Path).Where(p => !p.StartsWith("dest/", StringComparison.Ordinal)));
}
