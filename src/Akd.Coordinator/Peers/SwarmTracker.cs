using System.Collections.Concurrent;
using Akd.Contracts.V1;
using Akd.Coordinator.Agents;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Peers;

/// <summary>
/// The tracker's state, in memory (it is rebuilt from the downloaders' announcements after a restart): who holds
/// which pieces of which artifact, which downloader fetches which piece from the coordinator now, and which peers
/// each downloader must not be offered (they sent it a bad piece). Peers are offered only when online, serving
/// (a peer port) and in the downloader's peer network (the enrollment label <c>peer-network</c>).
/// </summary>
public sealed class SwarmTracker(AgentRegistry registry, IOptions<CoordinatorOptions> options, TimeProvider clock)
{
    /// <summary>The enrollment label naming an agent's peer network; agents without it form one network of their own.</summary>
    public const string NetworkLabel = "peer-network";

    private readonly ConcurrentDictionary<string, Swarm> _swarms = new(StringComparer.Ordinal);

    /// <summary>A swarm nobody asked about for this long is forgotten: its downloads are long over.</summary>
    private static readonly TimeSpan IdleSwarm = TimeSpan.FromHours(1);

    private sealed class Swarm
    {
        public DateTimeOffset LastUsed;

        public readonly Dictionary<string, byte[]> Held = new(StringComparer.Ordinal);
        // Per peer network: a downloader in another network cannot get the piece from the claimant anyway.
        public readonly Dictionary<(string Network, int Piece), (string Agent, DateTimeOffset Until)> Claims = [];
        public readonly HashSet<(string Downloader, string Peer)> Banned = [];
    }

    /// <summary>Records what <paramref name="agent"/> holds and returns its peers and the pieces it should fetch from the coordinator.</summary>
    public (List<SwarmPeer> Peers, List<uint> FromCoordinator) Plan(string agent, string sha256, int pieces, byte[] held, IEnumerable<string> excluded)
    {
        var now = clock.GetUtcNow();
        foreach (var (idle, _) in _swarms.Where(s => now - s.Value.LastUsed > IdleSwarm))
        {
            _swarms.TryRemove(idle, out _);
        }

        var swarm = _swarms.GetOrAdd(sha256, _ => new Swarm { LastUsed = clock.GetUtcNow() });
        var me = registry.Online.FirstOrDefault(a => a.Name == agent);
        var excludedSet = excluded.ToHashSet(StringComparer.Ordinal);
        var network = me is null ? "" : NetworkOf(me);
        lock (swarm)
        {
            swarm.LastUsed = now;
            if (me is not null && me.Hello.PeerPort > 0)
            {
                swarm.Held[agent] = held;
            }

            var peers = registry.Online
                .Where(a => a.Name != agent && a.Hello.PeerPort > 0 && me is not null && NetworkOf(a) == NetworkOf(me)
                    && !excludedSet.Contains(a.Name) && !swarm.Banned.Contains((agent, a.Name)) && swarm.Held.ContainsKey(a.Name))
                .Select(a => new SwarmPeer { Name = a.Name, Host = a.Hello.PeerHost, Port = a.Hello.PeerPort, Pieces = ByteString.CopyFrom(swarm.Held[a.Name]) })
                .ToList();

            var fromCoordinator = new List<uint>();
            var mine = swarm.Claims.Count(c => c.Value.Agent == agent && c.Value.Until > now && !PieceBits.Has(held, c.Key.Piece));
            for (var piece = 0; piece < pieces && mine < options.Value.PieceClaimsPerDownloader; piece++)
            {
                if (PieceBits.Has(held, piece) || peers.Any(p => PieceBits.Has(p.Pieces.Span, piece)))
                {
                    continue;
                }

                if (swarm.Claims.TryGetValue((network, piece), out var claim) && claim.Until > now && claim.Agent != agent && registry.IsOnline(claim.Agent)
                    && !excludedSet.Contains(claim.Agent) && !swarm.Banned.Contains((agent, claim.Agent)))
                {
                    continue; // another downloader brings it from the coordinator: wait for it
                }

                if (claim.Agent == agent && claim.Until > now)
                {
                    continue; // already this downloader's, counted above
                }

                swarm.Claims[(network, piece)] = (agent, now + options.Value.PieceClaimTimeout);
                fromCoordinator.Add((uint)piece);
                mine++;
            }

            // Claims of this downloader's that it now holds are done.
            foreach (var key in swarm.Claims.Where(c => c.Value.Agent == agent && PieceBits.Has(held, c.Key.Piece)).Select(c => c.Key).ToList())
            {
                swarm.Claims.Remove(key);
            }

            fromCoordinator.AddRange(swarm.Claims.Where(c => c.Value.Agent == agent && c.Value.Until > now && !fromCoordinator.Contains((uint)c.Key.Piece))
                .Select(c => (uint)c.Key.Piece));
            return (peers, fromCoordinator);
        }
    }

    /// <summary><paramref name="peer"/> sent <paramref name="downloader"/> a bad piece: never offered to it again for this artifact.</summary>
    public void Ban(string downloader, string sha256, string peer)
    {
        var swarm = _swarms.GetOrAdd(sha256, _ => new Swarm { LastUsed = clock.GetUtcNow() });
        lock (swarm)
        {
            swarm.Banned.Add((downloader, peer));
        }
    }

    private static string NetworkOf(AgentConnection agent) => agent.Labels.GetValueOrDefault(NetworkLabel, "");
}
