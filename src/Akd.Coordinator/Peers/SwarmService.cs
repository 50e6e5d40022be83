using Akd.Contracts.V1;
using Akd.Coordinator.Artifacts;
using Akd.Coordinator.Errors;
using Akd.Coordinator.Security;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Peers;

/// <summary>The tracker's RPCs: a downloader's plan (and announcement), and its reports of bad pieces.</summary>
public sealed partial class SwarmService(
    ArtifactsService artifacts, ArtifactStore store, PieceManifests manifests, SwarmTracker tracker, CoordinatorPki pki,
    IOptions<CoordinatorOptions> options, TimeProvider clock, ILogger<SwarmService> logger) : Contracts.V1.Swarm.SwarmBase
{
    public override async Task<PlanResponse> Plan(PlanRequest request, ServerCallContext context)
    {
        // Whoever may download the artifact from the coordinator may ask who else has it: the same check.
        await artifacts.AuthorizeReadAsync(request.Sha256, context).ConfigureAwait(false);
        // Fetched here first if only another replica stored it: the piece manifest is computed from this replica's copy.
        if (!ArtifactStore.IsValidDigest(request.Sha256) || await store.LocalPathAsync(request.Sha256, context.CancellationToken).ConfigureAwait(false) is null)
        {
            throw new NotFoundException($"no artifact with sha256 {request.Sha256}");
        }

        var caller = Caller.Of(context);
        var manifest = await manifests.ForAsync(request.Sha256, context.CancellationToken).ConfigureAwait(false);
        var (peers, fromCoordinator) = tracker.Plan(caller.Name, request.Sha256, manifest.PieceSha256.Count, request.Held.ToByteArray(), request.ExcludedPeers);
        var response = new PlanResponse { Manifest = request.WantManifest ? manifest : null, Grant = Grant(request.Sha256, caller.Name) };
        response.Peers.AddRange(peers);
        response.FromCoordinator.AddRange(fromCoordinator);
        return response;
    }

    public override async Task<BadPieceAck> ReportBadPiece(BadPiece request, ServerCallContext context)
    {
        await artifacts.AuthorizeReadAsync(request.Sha256, context).ConfigureAwait(false);
        var caller = Caller.Of(context);
        tracker.Ban(caller.Name, request.Sha256, request.Peer);
        LogBadPiece(request.Peer, request.Piece, request.Sha256, caller.Name);
        return new BadPieceAck();
    }

    private PeerGrant Grant(string sha256, string agent)
    {
        var body = new PeerGrantBody
        {
            Sha256 = sha256, Agent = agent, ExpiresUnixSeconds = (clock.GetUtcNow() + options.Value.PeerGrantLifetime).ToUnixTimeSeconds(),
        }.ToByteArray();
        return new PeerGrant { Body = ByteString.CopyFrom(body), Signature = ByteString.CopyFrom(pki.Authority.Sign(body)) };
    }

    [LoggerMessage(EventId = 310, Level = LogLevel.Warning, Message = "Peer {Peer} sent a bad piece {Piece} of {Sha256} to {Downloader}: no longer offered to it")]
    private partial void LogBadPiece(string peer, uint piece, string sha256, string downloader);
}
