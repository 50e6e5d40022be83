using Akd.Agent.Artifacts;
using Akd.Agent.Peers;
using Akd.Contracts.V1;

namespace Akd.Agent.Tests.Peers;

/// <summary>What an agent serves to peers, on real files in a scratch data dir.</summary>
public sealed class PeerPiecesTests : IDisposable
{
    private const string Sha = "ef00000000000000000000000000000000000000000000000000000000000000";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "akd-peer-pieces-" + Guid.NewGuid().ToString("N")[..6]);
    private readonly PeerPieces _pieces;
    private readonly ArtifactCache _cache;

    public PeerPiecesTests()
    {
        _cache = new ArtifactCache(new AgentOptions { DataDir = _dir }, TimeProvider.System);
        Directory.CreateDirectory(_cache.Dir);
        _pieces = new PeerPieces(_cache);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Find_DownloadInProgress_OnlyVerifiedPiecesTheLastOneShort()
    {
        // Arrange: 2.5 pieces of 1000 bytes; piece 2 verified, piece 0 not.
        var partial = Path.Combine(_cache.Dir, Sha + ".swarm.part");
        File.WriteAllBytes(partial, new byte[2500]);
        _pieces.Started(Sha, partial, 1000, 2500, 3);
        _pieces.Verified(Sha, 2);

        // Act
        var unverified = _pieces.Find(Sha, 0, 1000);
        var last = _pieces.Find(Sha, 2, 1000);
        var otherSize = _pieces.Find(Sha, 2, 500);

        // Assert
        Assert.Null(unverified);
        Assert.Equal((partial, 2000L, 500), last);
        Assert.Null(otherSize);
    }

    [Fact]
    public void Find_WholeFileCachedOrBadRequest_ServedFromTheCacheOrRefused()
    {
        // Arrange
        File.WriteAllBytes(Path.Combine(_cache.Dir, Sha), new byte[2500]);

        // Act + Assert: any piece of a cached artifact; nothing past its end, no path tricks, no oversized pieces.
        Assert.Equal((Path.Combine(_cache.Dir, Sha), 1000L, 1000), _pieces.Find(Sha, 1, 1000));
        Assert.Null(_pieces.Find(Sha, 3, 1000));
        Assert.Null(_pieces.Find("../" + Sha[3..], 0, 1000));
        Assert.Null(_pieces.Find(Sha, -1, 1000));
        Assert.Null(_pieces.Find(Sha, 0, PieceBits.MaxPieceBytes + 1));
    }
}
