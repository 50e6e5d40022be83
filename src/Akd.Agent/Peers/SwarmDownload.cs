using System.Buffers;
using System.Security.Cryptography;
using Akd.Agent.Artifacts;
using Akd.Agent.Identity;
using Akd.Agent.Observability;
using Akd.Agent.Transport;
using Akd.Contracts.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;

namespace Akd.Agent.Peers;

/// <summary>
/// Downloads an artifact piece by piece, from peers where the tracker says they hold a piece and from the coordinator
/// where it tells this agent to: every piece is checked against the manifest's SHA-256 before it is kept or served,
/// a peer that sends a bad piece is reported and not asked again, a peer that fails or stalls is given up, and the
/// whole file's SHA-256 is checked before the file is put into the cache.
/// </summary>
public sealed partial class SwarmDownload(
    CoordinatorChannel channel, ArtifactCache cache, PeerPieces held, AgentIdentity identity, IOptions<AgentOptions> options,
    AgentMetrics metrics, TimeProvider clock, ILogger<SwarmDownload> logger)
{
    private enum Source { Coordinator, Peer }

    public async Task<(string Path, TransferStats Transfer)> DownloadAsync(ArtifactRef artifact, Action<string> log, CancellationToken ct)
    {
        var o = options.Value;
        var final = Path.Combine(cache.Dir, artifact.Sha256);
        if (File.Exists(final) && new FileInfo(final).Length == artifact.Size)
        {
            log($"artifact {artifact.Sha256[..12]} already in the local cache");
            File.SetLastWriteTimeUtc(final, DateTime.UtcNow);
            SwarmPartial.Delete(cache.Dir, artifact.Sha256);
            return (final, new TransferStats());
        }

        var began = clock.GetTimestamp();
        var tracker = new Contracts.V1.Swarm.SwarmClient(channel.Invoker);
        var plan = await tracker.PlanAsync(new PlanRequest { Sha256 = artifact.Sha256, WantManifest = true }, cancellationToken: ct).ConfigureAwait(false);
        var manifest = plan.Manifest;
        if (manifest is null || manifest.Size != artifact.Size || manifest.PieceBytes <= 0)
        {
            throw new InvalidDataException($"the tracker's piece manifest does not describe artifact {artifact.Sha256} of {artifact.Size} bytes");
        }

        var count = manifest.PieceSha256.Count;
        var stats = new TransferStats();
        HashSet<string> excluded = [];
        var whole = false;
        using (var partial = await SwarmPartial.OpenAsync(cache.Dir, artifact.Sha256, manifest, ct).ConfigureAwait(false))
        {
            if (partial.Kept > 0 || partial.Discarded)
            {
                log(partial.Discarded
                    ? $"artifact {artifact.Sha256[..12]}: the partial download an earlier attempt left could not be used (it does not match the manifest) and was discarded"
                    : $"artifact {artifact.Sha256[..12]}: resuming with {partial.Kept} of {count} pieces kept from an interrupted download");
            }

            var state = new PieceSchedule.State(partial.Have);
            excluded = state.Excluded;
            held.Started(artifact.Sha256, partial.DataPath, manifest.PieceBytes, manifest.Size, count);
            foreach (var piece in Enumerable.Range(0, count).Where(p => partial.Have[p]))
            {
                held.Verified(artifact.Sha256, piece);
            }

            try
            {
                await using var connections = new PeerConnections(identity, o);
                using var hash = new InOrderHash(partial.File, manifest);
                var grant = plan.Grant;
                var idle = o.PeerPollFirst;
                while (state.Missing > 0)
                {
                    var file = partial.File;
                    var started = PieceSchedule.Start(plan, state, o, piece => FetchAsync(file, manifest, artifact.Sha256, piece, null, null, grant, stats, ct),
                        (piece, peer) => FetchAsync(file, manifest, artifact.Sha256, piece, peer, connections, grant, stats, ct));

                    // Nothing to do: ask again soon, then less often while nothing changes; with fetches running, their ends wake us.
                    idle = started > 0 || state.Running.Count > 0 ? o.PeerPollFirst : idle;
                    var poll = Task.Delay(state.Running.Count > 0 ? o.PeerPollInterval : idle, clock, ct);
                    await Task.WhenAny(state.Running.Values.Select(r => (Task)r.Fetch).Append(poll)).ConfigureAwait(false);
                    if (state.Running.Count == 0 && started == 0)
                    {
                        idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, o.PeerPollInterval.Ticks));
                    }

                    foreach (var (piece, (fetch, peer)) in state.Running.Where(r => r.Value.Fetch.IsCompleted).ToList())
                    {
                        state.Running.Remove(piece);
                        if (await fetch.ConfigureAwait(false))
                        {
                            partial.Record(piece, manifest.PieceBytes, manifest.Size);
                            state.Missing--;
                            held.Verified(artifact.Sha256, piece);
                        }
                        else if (peer is not null && excluded.Add(peer))
                        {
                            await connections.ForgetAsync(peer).ConfigureAwait(false);
                        }
                    }

                    await hash.AdvanceAsync(state.Have, ct).ConfigureAwait(false);
                    ct.ThrowIfCancellationRequested();
                    plan = await tracker.PlanAsync(Request(artifact.Sha256, state.Have, excluded), cancellationToken: ct).ConfigureAwait(false);
                    grant = plan.Grant ?? grant;
                }

                await hash.AdvanceAsync(state.Have, ct).ConfigureAwait(false);
                hash.Verify(artifact);
                whole = true;
            }
            catch (InvalidDataException)
            {
                // The pieces all matched the manifest but the whole does not: nothing of this partial is worth resuming.
                partial.Dispose();
                SwarmPartial.Delete(cache.Dir, artifact.Sha256);
                throw;
            }
            finally
            {
                // Any other end (cancelled, the coordinator unreachable, the agent stopping) keeps the partial for a resume.
                if (!whole)
                {
                    held.Ended(artifact.Sha256);
                }
            }
        }

        File.Move(SwarmPartial.DataPathOf(cache.Dir, artifact.Sha256), final, overwrite: true);
        held.Ended(artifact.Sha256);
        SwarmPartial.Delete(cache.Dir, artifact.Sha256);
        log($"artifact {artifact.Sha256[..12]}: {stats.BytesFromCoordinator} bytes from the coordinator, {stats.BytesFromPeers} from peers in {clock.GetElapsedTime(began).TotalSeconds:0.00} s" +
            (excluded.Count > 0 ? $" (gave up on {string.Join(", ", excluded.Order())})" : ""));
        return (final, stats);
    }

    /// <summary>One piece, from a peer or (peer null) the coordinator; true when it arrived and matched the manifest.</summary>
    private async Task<bool> FetchAsync(
        SafeFileHandle file, PieceManifest manifest, string sha256, int piece, SwarmPeer? peer, PeerConnections? connections, PeerGrant grant,
        TransferStats stats, CancellationToken ct)
    {
        var offset = (long)piece * manifest.PieceBytes;
        var length = (int)Math.Min(manifest.PieceBytes, manifest.Size - offset);
        byte[]? rented = null;
        try
        {
            ReadOnlyMemory<byte> data;
            try
            {
                if (peer is null)
                {
                    rented = ArrayPool<byte>.Shared.Rent(length);
                    data = await FromCoordinatorAsync(sha256, offset, rented.AsMemory(0, length), ct).ConfigureAwait(false);
                }
                else
                {
                    data = await connections!.FetchAsync(peer, new PieceRequest { Sha256 = sha256, Piece = (uint)piece, Grant = grant, PieceBytes = manifest.PieceBytes }, ct)
                        .ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                LogPieceFailed(piece, peer?.Name ?? "the coordinator", ex.Message);
                return false;
            }

            var source = peer is null ? Source.Coordinator : Source.Peer;
            lock (stats)
            {
                if (source == Source.Coordinator)
                {
                    stats.BytesFromCoordinator += data.Length;
                }
                else
                {
                    stats.BytesFromPeers += data.Length;
                }
            }

            metrics.ArtifactBytes("in", data.Length, source == Source.Coordinator ? "coordinator" : "peer");
            if (data.Length != length || !SHA256.HashData(data.Span).AsSpan().SequenceEqual(manifest.PieceSha256[piece].Span))
            {
                LogBadPiece(piece, peer?.Name ?? "the coordinator");
                if (peer is not null)
                {
                    await ReportAsync(sha256, peer.Name, piece, ct).ConfigureAwait(false);
                }

                return false;
            }

            await RandomAccess.WriteAsync(file, data, offset, ct).ConfigureAwait(false);
            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private async Task<ReadOnlyMemory<byte>> FromCoordinatorAsync(string sha256, long offset, Memory<byte> data, CancellationToken ct)
    {
        var length = data.Length;
        var client = new Contracts.V1.Artifacts.ArtifactsClient(channel.Invoker);
        using var call = client.Download(new DownloadRequest { Sha256 = sha256, Offset = offset, Length = length }, cancellationToken: ct);
        var at = 0;
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(ct).ConfigureAwait(false))
        {
            if (at + chunk.Data.Length > length)
            {
                throw new InvalidDataException($"the coordinator sent more than the {length} bytes asked for");
            }

            chunk.Data.Span.CopyTo(data.Span[at..]);
            at += chunk.Data.Length;
        }

        return at == length ? data : throw new IOException($"the coordinator sent {at} of {length} bytes");
    }

    private async Task ReportAsync(string sha256, string peer, int piece, CancellationToken ct)
    {
        try
        {
            await new Contracts.V1.Swarm.SwarmClient(channel.Invoker)
                .ReportBadPieceAsync(new BadPiece { Sha256 = sha256, Peer = peer, Piece = (uint)piece }, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            LogReportFailed(peer, ex.Status.Detail);
        }
    }

    private static PlanRequest Request(string sha256, bool[] have, IEnumerable<string> excluded)
    {
        var request = new PlanRequest { Sha256 = sha256, Held = Google.Protobuf.ByteString.CopyFrom(PieceBits.Of(Enumerable.Range(0, have.Length).Where(i => have[i]), have.Length)) };
        request.ExcludedPeers.AddRange(excluded);
        return request;
    }

    [LoggerMessage(EventId = 160, Level = LogLevel.Warning, Message = "Piece {Piece} from {Source} failed: {Reason}")]
    private partial void LogPieceFailed(int piece, string source, string reason);

    [LoggerMessage(EventId = 161, Level = LogLevel.Warning, Message = "Piece {Piece} from {Source} does not match the manifest: discarded, source given up and reported")]
    private partial void LogBadPiece(int piece, string source);

    [LoggerMessage(EventId = 162, Level = LogLevel.Warning, Message = "Could not report peer {Peer}'s bad piece: {Reason}")]
    private partial void LogReportFailed(string peer, string reason);
}
