using Akd.Agent.Peers;
using Akd.Contracts.V1;
using Google.Protobuf;

namespace Akd.Agent.Tests.Peers;

/// <summary>Which pieces a swarm download starts, and from whom, for a plan from the tracker.</summary>
public sealed class PieceScheduleTests
{
    private static readonly Func<int, Task<bool>> Coordinator = _ => Task.FromResult(true);
    private static readonly Func<int, SwarmPeer, Task<bool>> FromPeer = (_, _) => Task.FromResult(true);

    [Fact]
    public void Start_ClaimsAndPeersWithSpareLoad_CoordinatorPiecesFirstThenRarestFromTheLeastBusyPeer()
    {
        // Arrange: 6 pieces; the tracker gives this downloader piece 5; A holds 0-2, B 1-2, C 2; 3 peer fetches at most.
        var plan = new PlanResponse { FromCoordinator = { 5 }, Peers = { Peer("A", 0, 1, 2), Peer("B", 1, 2), Peer("C", 2) } };
        var state = new PieceSchedule.State(new bool[6]);

        // Act
        var started = PieceSchedule.Start(plan, state, new AgentOptions { PeerParallelPieces = 3, PeerPiecesPerPeer = 2 }, Coordinator, FromPeer);

        // Assert: piece 0 only A has; 1 goes to B (A is busy); 2 to C (A and B are busy); 3 and 4 nobody has.
        Assert.Equal(4, started);
        Assert.Equal(
            new Dictionary<int, string?> { [5] = null, [0] = "A", [1] = "B", [2] = "C" },
            state.Running.ToDictionary(r => r.Key, r => r.Value.Peer));
    }

    [Fact]
    public void Start_OnePeerHoldsAll_NoMoreThanThePerPeerLimitAndNothingHeldOrRunningAgain()
    {
        // Arrange: A holds all 6; piece 0 is held already and piece 1 is being fetched from A.
        var plan = new PlanResponse { Peers = { Peer("A", 0, 1, 2, 3, 4, 5) } };
        var state = new PieceSchedule.State([true, false, false, false, false, false]);
        state.Running[1] = (new TaskCompletionSource<bool>().Task, "A");

        // Act
        var started = PieceSchedule.Start(plan, state, new AgentOptions { PeerParallelPieces = 4, PeerPiecesPerPeer = 2 }, Coordinator, FromPeer);

        // Assert: one more from A (two in flight), none of pieces 0 and 1.
        Assert.Equal(1, started);
        Assert.Equal(2, state.Running.Count);
        Assert.All(state.Running, r => Assert.Equal("A", r.Value.Peer));
        Assert.DoesNotContain(0, state.Running.Keys);
    }

    [Fact]
    public void Start_ExcludedPeer_NeverAskedEvenWhenItAloneHoldsAPiece()
    {
        // Arrange
        var plan = new PlanResponse { Peers = { Peer("bad", 0, 1), Peer("good", 1) } };
        var state = new PieceSchedule.State(new bool[2]);
        state.Excluded.Add("bad");

        // Act
        var started = PieceSchedule.Start(plan, state, new AgentOptions(), Coordinator, FromPeer);

        // Assert
        Assert.Equal(1, started);
        Assert.Equal("good", Assert.Single(state.Running).Value.Peer);
        Assert.Equal(1, Assert.Single(state.Running).Key);
    }

    private static SwarmPeer Peer(string name, params int[] pieces) =>
        new() { Name = name, Host = "127.0.0.1", Port = 7401, Pieces = ByteString.CopyFrom(PieceBits.Of(pieces, 8)) };
}
