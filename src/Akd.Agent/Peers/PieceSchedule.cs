using Akd.Contracts.V1;

namespace Akd.Agent.Peers;

/// <summary>Which pieces a swarm download fetches next, and from whom.</summary>
internal static class PieceSchedule
{
    /// <summary>What one download holds, fetches now and gave up on.</summary>
    internal sealed class State(bool[] have)
    {
        public bool[] Have { get; } = have;

        /// <summary>Fetches in flight, by piece, with the peer each asks (null: the coordinator).</summary>
        public Dictionary<int, (Task<bool> Fetch, string? Peer)> Running { get; } = [];

        public HashSet<string> Excluded { get; } = new(StringComparer.Ordinal);

        public int Missing { get; set; } = have.Count(h => !h);
    }

    /// <summary>
    /// Starts fetches: first every piece the tracker gave this downloader to fetch from the coordinator (others wait for
    /// those), then pieces from peers, rarest first, each from the least busy peer that holds it, up to
    /// <see cref="AgentOptions.PeerParallelPieces"/> at once and <see cref="AgentOptions.PeerPiecesPerPeer"/> per peer.
    /// </summary>
    /// <returns>How many fetches it started.</returns>
    public static int Start(PlanResponse plan, State state, AgentOptions o, Func<int, Task<bool>> fromCoordinator, Func<int, SwarmPeer, Task<bool>> fromPeer)
    {
        var started = 0;
        foreach (var piece in plan.FromCoordinator.Select(p => (int)p).Where(p => p < state.Have.Length && !state.Have[p] && !state.Running.ContainsKey(p)).ToList())
        {
            state.Running[piece] = (fromCoordinator(piece), null);
            started++;
        }

        var peers = plan.Peers.Where(p => !state.Excluded.Contains(p.Name)).ToList();
        var load = peers.ToDictionary(p => p.Name, p => state.Running.Values.Count(r => r.Peer == p.Name), StringComparer.Ordinal);
        var fromPeers = state.Running.Values.Count(r => r.Peer is not null);
        var random = Random.Shared;
        var wanted = Enumerable.Range(0, state.Have.Length)
            .Where(p => !state.Have[p] && !state.Running.ContainsKey(p))
            .Select(p => (Piece: p, Holders: peers.Where(h => PieceBits.Has(h.Pieces.Span, p)).ToList()))
            .Where(w => w.Holders.Count > 0)
            .OrderBy(w => w.Holders.Count).ThenBy(_ => random.Next())
            .ToList();
        foreach (var (piece, holders) in wanted)
        {
            if (fromPeers >= o.PeerParallelPieces)
            {
                break;
            }

            var free = holders.Where(h => load[h.Name] < o.PeerPiecesPerPeer).ToList();
            if (free.Count == 0)
            {
                continue;
            }

            var least = free.Min(h => load[h.Name]);
            var candidates = free.Where(h => load[h.Name] == least).ToList();
            var peer = candidates[random.Next(candidates.Count)];
            state.Running[piece] = (fromPeer(piece, peer), peer.Name);
            load[peer.Name]++;
            fromPeers++;
            started++;
        }

        return started;
    }
}
