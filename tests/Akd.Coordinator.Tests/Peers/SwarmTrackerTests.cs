using System.Security.Cryptography;
using Akd.Contracts.V1;
using Akd.Coordinator.Agents;
using Akd.Coordinator.Peers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Akd.Coordinator.Tests.Peers;

/// <summary>The tracker over a real agent registry (connections in process, no streams) and a fake clock.</summary>
public sealed class SwarmTrackerTests
{
    private const string Sha = "ab00000000000000000000000000000000000000000000000000000000000000";
    private readonly FakeTimeProvider _clock = new();
    private readonly AgentRegistry _registry;
    private readonly SwarmTracker _tracker;

    public SwarmTrackerTests()
    {
        var options = Options.Create(new CoordinatorOptions { PieceClaimsPerDownloader = 2, PieceClaimTimeout = TimeSpan.FromSeconds(15) });
        _registry = new AgentRegistry(_clock, options, NullLogger<AgentRegistry>.Instance);
        _tracker = new SwarmTracker(_registry, options, _clock);
    }

    [Fact]
    public void Plan_NobodyHoldsAPiece_EachPieceGoesToOneDownloaderAtATime()
    {
        // Arrange: three peers of one network, an artifact of five pieces, nothing held.
        Connect("web-1", 7001);
        Connect("web-2", 7002);
        Connect("web-3", 7003);

        // Act
        var first = _tracker.Plan("web-1", Sha, 5, [], []);
        var second = _tracker.Plan("web-2", Sha, 5, [], []);
        var third = _tracker.Plan("web-3", Sha, 5, [], []);
        var firstAgain = _tracker.Plan("web-1", Sha, 5, [], []);

        // Assert: claims are disjoint, two per downloader, and a downloader asking again keeps its own.
        Assert.Equal([0u, 1u], first.FromCoordinator.Order());
        Assert.Equal([2u, 3u], second.FromCoordinator.Order());
        Assert.Equal([4u], third.FromCoordinator);
        Assert.Equal([0u, 1u], firstAgain.FromCoordinator.Order());
    }

    [Fact]
    public void Plan_PeerHoldsPieces_OfferedWithinItsNetworkOnlyAndNoLongerAfterABan()
    {
        // Arrange: web-1 holds pieces 0 and 2 (and is told to fetch 1); web-2 is in its network, dc2-1 in another.
        Connect("web-1", 7001);
        Connect("web-2", 7002);
        Connect("dc2-1", 7003, network: "dc-2");
        _tracker.Plan("web-1", Sha, 3, PieceBits.Of([0, 2], 3), []);

        // Act
        var sameNetwork = _tracker.Plan("web-2", Sha, 3, [], []);
        var otherNetwork = _tracker.Plan("dc2-1", Sha, 3, [], []);
        _tracker.Ban("web-2", Sha, "web-1");
        var afterBan = _tracker.Plan("web-2", Sha, 3, [], []);

        // Assert
        var peer = Assert.Single(sameNetwork.Peers);
        Assert.Equal(("web-1", "127.0.0.1", 7001u), (peer.Name, peer.Host, peer.Port));
        Assert.True(PieceBits.Has(peer.Pieces.Span, 0) && !PieceBits.Has(peer.Pieces.Span, 1) && PieceBits.Has(peer.Pieces.Span, 2));
        Assert.Empty(sameNetwork.FromCoordinator); // piece 1: web-1 was told to fetch it when it announced
        Assert.Empty(otherNetwork.Peers);
        Assert.Empty(afterBan.Peers);
        Assert.Equal([0u, 1u], afterBan.FromCoordinator.Order());
    }

    [Fact]
    public void Plan_ClaimantWentOfflineOrItsClaimExpired_PieceGoesToTheNextDownloader()
    {
        // Arrange: web-1 claims pieces 0 and 1, web-2 then 2 and 3.
        var web1 = Connect("web-1", 7001);
        Connect("web-2", 7002);
        Connect("web-3", 7003);
        _tracker.Plan("web-1", Sha, 4, [], []);
        _tracker.Plan("web-2", Sha, 4, [], []);

        // Act: web-1 is killed; later web-2's claims expire without it announcing the pieces.
        _registry.Disconnected(web1);
        var afterKill = _tracker.Plan("web-3", Sha, 4, [], []);
        _clock.Advance(TimeSpan.FromSeconds(16));
        var afterExpiry = _tracker.Plan("web-3", Sha, 4, PieceBits.Of([0, 1], 4), []);

        // Assert
        Assert.Equal([0u, 1u], afterKill.FromCoordinator.Order());
        Assert.Equal([2u, 3u], afterExpiry.FromCoordinator.Order());
    }

    [Fact(Timeout = 10_000)]
    public async Task ComputeAsync_FileOfTwoAndAHalfPieces_OneDigestPerPieceTheLastShort()
    {
        // Arrange
        var path = Path.GetTempFileName();
        var content = RandomNumberGenerator.GetBytes(2 * 4096 + 100);
        await File.WriteAllBytesAsync(path, content);

        // Act
        var manifest = await PieceManifests.ComputeAsync(path, 4096, CancellationToken.None);
        File.Delete(path);

        // Assert
        Assert.Equal(content.Length, manifest.Size);
        Assert.Equal(4096, manifest.PieceBytes);
        Assert.Equal(3, manifest.PieceSha256.Count);
        Assert.Equal(SHA256.HashData(content.AsSpan(0, 4096)), manifest.PieceSha256[0].ToByteArray());
        Assert.Equal(SHA256.HashData(content.AsSpan(8192)), manifest.PieceSha256[2].ToByteArray());
    }

    private AgentConnection Connect(string name, uint peerPort, string? network = null)
    {
        var labels = new Dictionary<string, string> { ["role"] = "web" };
        if (network is not null)
        {
            labels[SwarmTracker.NetworkLabel] = network;
        }

        var connection = new AgentConnection(new AgentHello { Name = name, PeerPort = peerPort, PeerHost = "127.0.0.1" }, labels);
        _registry.Connected(connection);
        return connection;
    }
}
