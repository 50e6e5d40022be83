using System.Security.Cryptography;
using Akd.Agent.Peers;
using Akd.Contracts.V1;
using Google.Protobuf;

namespace Akd.Agent.Tests.Peers;

/// <summary>A swarm download's partial file and its record of verified pieces, across an agent restart, on real files.</summary>
public sealed class SwarmPartialTests : IDisposable
{
    private const int PieceBytes = 1000;
    private readonly string _dir = Directory.CreateTempSubdirectory("akd-swarm-partial-").FullName;
    private readonly byte[] _artifact = RandomNumberGenerator.GetBytes(2500);
    private readonly string _sha;
    private readonly PieceManifest _manifest;

    public SwarmPartialTests()
    {
        _sha = Convert.ToHexStringLower(SHA256.HashData(_artifact));
        _manifest = Manifest(PieceBytes);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 30_000)]
    public async Task OpenAsync_AfterAnInterruptedDownload_KeepsTheRecordedPiecesAndOnlyThose()
    {
        // Arrange: pieces 0 and 2 written and recorded, piece 1 written but not recorded (the agent died before it was checked).
        using (var first = await SwarmPartial.OpenAsync(_dir, _sha, _manifest, CancellationToken.None))
        {
            await WriteAsync(first, 0);
            first.Record(0, PieceBytes, _artifact.Length);
            await WriteAsync(first, 2);
            first.Record(2, PieceBytes, _artifact.Length);
            await WriteAsync(first, 1);
        }

        // Act: the agent starts again.
        using var resumed = await SwarmPartial.OpenAsync(_dir, _sha, _manifest, CancellationToken.None);

        // Assert
        Assert.Equal([true, false, true], resumed.Have);
        Assert.Equal(2, resumed.Kept);
        Assert.False(resumed.Discarded);
        var kept = new byte[500];
        Assert.Equal(500, RandomAccess.Read(resumed.File, kept, 2000));
        Assert.Equal(_artifact[2000..], kept);
    }

    [Fact(Timeout = 30_000)]
    public async Task OpenAsync_RecordedPieceCorruptOnDisk_DiscardsThePartialAndStartsEmpty()
    {
        // Arrange: two recorded pieces, then one byte of piece 2 changes on disk.
        using (var first = await SwarmPartial.OpenAsync(_dir, _sha, _manifest, CancellationToken.None))
        {
            await WriteAsync(first, 0);
            first.Record(0, PieceBytes, _artifact.Length);
            await WriteAsync(first, 2);
            first.Record(2, PieceBytes, _artifact.Length);
        }

        await using (var file = new FileStream(SwarmPartial.DataPathOf(_dir, _sha), FileMode.Open, FileAccess.Write))
        {
            file.Seek(2100, SeekOrigin.Begin);
            file.WriteByte((byte)(_artifact[2100] ^ 0xff));
        }

        // Act
        using var reopened = await SwarmPartial.OpenAsync(_dir, _sha, _manifest, CancellationToken.None);

        // Assert: nothing kept, not even the good piece 0; a fresh file of the artifact's size, no record until a piece is verified.
        Assert.Equal([false, false, false], reopened.Have);
        Assert.True(reopened.Discarded);
        Assert.Equal(_artifact.Length, RandomAccess.GetLength(reopened.File));
        Assert.False(File.Exists(SwarmPartial.RecordPathOf(_dir, _sha)));
    }

    [Fact(Timeout = 30_000)]
    public async Task OpenAsync_RecordForAnotherPieceSizeOrTruncated_StartsOver()
    {
        // Arrange: a partial recorded under 1000-byte pieces; the coordinator now cuts 500-byte pieces.
        using (var first = await SwarmPartial.OpenAsync(_dir, _sha, _manifest, CancellationToken.None))
        {
            await WriteAsync(first, 0);
            first.Record(0, PieceBytes, _artifact.Length);
        }

        // Act
        using (var otherSize = await SwarmPartial.OpenAsync(_dir, _sha, Manifest(500), CancellationToken.None))
        {
            // Assert
            Assert.All(otherSize.Have, h => Assert.False(h));
            Assert.True(otherSize.Discarded);
        }

        // Arrange: a record cut short (as a torn write would leave it, were it not renamed into place).
        File.WriteAllBytes(SwarmPartial.RecordPathOf(_dir, _sha), [0, 0, 3]);

        // Act
        using var torn = await SwarmPartial.OpenAsync(_dir, _sha, _manifest, CancellationToken.None);

        // Assert
        Assert.All(torn.Have, h => Assert.False(h));
        Assert.True(torn.Discarded);
    }

    [Fact(Timeout = 30_000)]
    public async Task Record_EachPiece_LeavesAWholeRecordAndNoTempFileAndDeleteRemovesBoth()
    {
        // Arrange
        using var partial = await SwarmPartial.OpenAsync(_dir, _sha, _manifest, CancellationToken.None);
        await WriteAsync(partial, 1);

        // Act
        partial.Record(1, PieceBytes, _artifact.Length);

        // Assert: piece size, size, then the bitfield; only the two files, both ending in .part (the cache sweep's partials).
        var record = File.ReadAllBytes(SwarmPartial.RecordPathOf(_dir, _sha));
        Assert.Equal(13, record.Length);
        Assert.Equal(0b010, record[12]);
        Assert.All(Directory.GetFiles(_dir), f => Assert.EndsWith(".part", f, StringComparison.Ordinal));
        Assert.Equal(2, Directory.GetFiles(_dir).Length);

        // Act
        partial.Dispose();
        SwarmPartial.Delete(_dir, _sha);

        // Assert
        Assert.Empty(Directory.GetFiles(_dir));
    }

    private PieceManifest Manifest(int pieceBytes)
    {
        var manifest = new PieceManifest { Size = _artifact.Length, PieceBytes = pieceBytes };
        for (var offset = 0; offset < _artifact.Length; offset += pieceBytes)
        {
            manifest.PieceSha256.Add(ByteString.CopyFrom(SHA256.HashData(_artifact.AsSpan(offset, Math.Min(pieceBytes, _artifact.Length - offset)))));
        }

        return manifest;
    }

    private async Task WriteAsync(SwarmPartial partial, int piece)
    {
        var offset = piece * PieceBytes;
        await RandomAccess.WriteAsync(partial.File, _artifact.AsMemory(offset, Math.Min(PieceBytes, _artifact.Length - offset)), offset);
    }
}
