using System.Formats.Tar;
using System.Runtime.Versioning;
using Akd.Core.Archives;
using static Akd.Core.Tests.Archives.TestArchives;

namespace Akd.Core.Tests.Archives;

/// <summary>Archives that are small on the wire and huge on disk are refused before they fill it.</summary>
[SupportedOSPlatform("linux")]
public sealed class SafeExtractorLimitsTests : IDisposable
{
    private readonly TempDirectory _sandbox = new();

    private string Destination => _sandbox.Combine("dest");

    public void Dispose() => _sandbox.Dispose();

    [Fact(Timeout = TimeoutMs)]
    public async Task ExtractAsync_DecompressionBombWithDefaultLimits_RefusedBeforeWriting()
    {
        // Arrange: 256 MiB of zeros gzip (fastest) to about 2.5 MiB; the default budget is 8x that, at least 64 MiB.
        var bomb = Build(Zeros("bomb.bin", 256L * 1024 * 1024));
        var compressed = bomb.Length;

        // Act
        var error = await Assert.ThrowsAsync<UnsafeArchiveException>(() => SafeExtractor.ExtractAsync(bomb, Destination, CancellationToken.None));

        // Assert
        Assert.True(compressed < 4 * 1024 * 1024, $"the test archive should be small on the wire, was {compressed} bytes");
        Assert.Contains("decompression bomb", error.Message, StringComparison.Ordinal);
        Assert.Equal("bomb.bin", error.EntryName);
        Assert.False(System.IO.File.Exists(Path.Combine(Destination, "bomb.bin")), "nothing of the refused entry may be written");
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ExtractAsync_TotalOverBudgetAcrossEntries_RefusedAtTheEntryThatCrossesIt()
    {
        // Arrange: each file fits, the third one crosses the 2.5 KiB budget.
        var archive = Build(Zeros("a", 1024), Zeros("b", 1024), Zeros("c", 1024));
        var limits = new ExtractionLimits(MaxBytes: 2560, MaxEntries: 100);

        // Act
        var error = await Assert.ThrowsAsync<UnsafeArchiveException>(() => SafeExtractor.ExtractAsync(archive, Destination, CancellationToken.None, limits));

        // Assert
        Assert.Equal("c", error.EntryName);
        Assert.True(System.IO.File.Exists(Path.Combine(Destination, "b")));
        Assert.False(System.IO.File.Exists(Path.Combine(Destination, "c")));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ExtractAsync_HardLinkCopiesCountAgainstTheBudget_Refused()
    {
        // Arrange: hard links are copied, so each one costs the size of its target again.
        var archive = Build(Zeros("big", 2048), HardLink("copy", "big"));
        var limits = new ExtractionLimits(MaxBytes: 3000, MaxEntries: 100);

        // Act
        var error = await Assert.ThrowsAsync<UnsafeArchiveException>(() => SafeExtractor.ExtractAsync(archive, Destination, CancellationToken.None, limits));

        // Assert
        Assert.Equal("copy", error.EntryName);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task ExtractAsync_TooManyEntries_Refused()
    {
        // Arrange
        var entries = Enumerable.Range(0, 11).Select(i => (TarEntry)File($"f{i}")).ToArray();
        var limits = new ExtractionLimits(MaxBytes: 1024 * 1024, MaxEntries: 10);

        // Act
        var error = await Assert.ThrowsAsync<UnsafeArchiveException>(() => SafeExtractor.ExtractAsync(Build(entries), Destination, CancellationToken.None, limits));

        // Assert
        Assert.Contains("more than 10 entries", error.Message, StringComparison.Ordinal);
        Assert.Equal("f10", error.EntryName);
    }

    [Fact]
    public void ForArchive_SmallArchive_GetsTheFloor_LargeArchiveGetsTheRatio()
    {
        Assert.Equal(ExtractionLimits.MinimumBytes, ExtractionLimits.ForArchive(1000).MaxBytes);
        Assert.Equal(8L * 1024 * 1024 * 1024, ExtractionLimits.ForArchive(1024L * 1024 * 1024).MaxBytes);
        Assert.Equal(long.MaxValue, ExtractionLimits.ForArchive(long.MaxValue / 2).MaxBytes);
    }

    private static PaxTarEntry Zeros(string name, long length) => new(TarEntryType.RegularFile, name)
    {
        DataStream = new MemoryStream(new byte[length]),
        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
    };
}
