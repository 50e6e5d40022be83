using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Akd.Agent.Identity;
using Akd.Agent.Observability;
using Akd.Contracts.V1;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;

namespace Akd.Agent.Peers;

/// <summary>
/// Serves the pieces this agent holds to peers on <see cref="AgentOptions.PeerPort"/> (mutual TLS, a coordinator
/// grant per request). Without a peer port it opens nothing: the agent keeps its no-inbound-port promise.
/// </summary>
internal sealed partial class PeerServer(
    IOptions<AgentOptions> options, AgentIdentity identity, PeerPieces pieces, AgentMetrics metrics, TimeProvider clock, ILogger<PeerServer> logger)
    : BackgroundService
{
    /// <summary>
    /// TEST HOOK ONLY, read from the environment once: when "1", every piece this agent serves has one byte flipped,
    /// so the integration tests can watch a downloader catch and ban a corrupt peer. Never set it in production.
    /// </summary>
    internal static readonly bool TestOnlyCorruptServedPieces = Environment.GetEnvironmentVariable("AKD_TEST_ONLY_CORRUPT_PEER_PIECES") == "1";

    /// <summary>
    /// TEST HOOK ONLY, read from the environment once: when "1", this agent takes piece requests and never answers
    /// them, as a peer that hangs or dies mid-transfer with its connections left open. Never set it in production.
    /// </summary>
    internal static readonly bool TestOnlyStallServedPieces = Environment.GetEnvironmentVariable("AKD_TEST_ONLY_STALL_PEER_PIECES") == "1";

    /// <summary>
    /// TEST HOOK ONLY, read from the environment once: when "1", the agent process kills itself (as SIGKILL would) right
    /// after it sent its first piece to a peer, so a downloader loses a peer mid-transfer. Never set it in production.
    /// </summary>
    internal static readonly bool TestOnlyDieAfterFirstPiece = Environment.GetEnvironmentVariable("AKD_TEST_ONLY_DIE_AFTER_FIRST_PEER_PIECE") == "1";

    /// <summary>How often the port waits to see the agent enrolled (its first start): the port needs the agent's certificate.</summary>
    private static readonly TimeSpan EnrollmentPoll = TimeSpan.FromMilliseconds(500);

    private SslServerAuthenticationOptions? _tls;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (o.PeerPort <= 0)
        {
            return;
        }

        while (!identity.IsEnrolled)
        {
            await Task.Delay(EnrollmentPoll, clock, stoppingToken).ConfigureAwait(false);
        }

        var listener = new TcpListener(IPAddress.Parse(o.PeerListenAddress), o.PeerPort);
        try
        {
            listener.Start();
        }
        catch (SocketException ex)
        {
            throw new IOException($"--peer-port {o.PeerPort}: cannot listen on {o.PeerListenAddress}:{o.PeerPort}: {ex.Message}", ex);
        }

        LogListening(o.PeerListenAddress, o.PeerPort, TestOnlyCorruptServedPieces, TestOnlyStallServedPieces, TestOnlyDieAfterFirstPiece);
        using var slots = new SemaphoreSlim(Math.Max(1, o.PeerMaxConnections));
        using var serving = new SemaphoreSlim(Math.Max(1, o.PeerMaxServing));
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stoppingToken).ConfigureAwait(false);
                // A piece's last segment must not wait for the downloader's delayed ACK: connections are reused now.
                client.NoDelay = true;
                await slots.WaitAsync(stoppingToken).ConfigureAwait(false);
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await ServeAsync(client, serving, stoppingToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <param name="serving">A slot per piece being read and sent: a downloader keeps its connection open between pieces, so connections are many and cheap, pieces are MiBs of memory each.</param>
    private async Task ServeAsync(TcpClient client, SemaphoreSlim serving, CancellationToken ct)
    {
        var o = options.Value;
        using var _ = client;
        try
        {
            await using var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
            using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                handshake.CancelAfter(o.PeerConnectTimeout);
                await tls.AuthenticateAsServerAsync(ServerOptions(), handshake.Token).ConfigureAwait(false);
            }

            var peer = PeerTls.NameOf(tls.RemoteCertificate) ?? "";
            while (await Frames.ReadAsync(tls, PieceRequest.Parser, ct).ConfigureAwait(false) is { } request)
            {
                await serving.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    var (refused, rented, length) = await AnswerAsync(request, peer, ct).ConfigureAwait(false);
                    try
                    {
                        await (refused is not null
                            ? Frames.WriteAsync(tls, new PieceResponse { Error = refused }, ct)
                            : Frames.WritePieceAsync(tls, rented.AsMemory(0, length), ct)).ConfigureAwait(false);
                    }
                    finally
                    {
                        if (rented is not null)
                        {
                            ArrayPool<byte>.Shared.Return(rented);
                        }
                    }

                    if (TestOnlyDieAfterFirstPiece && refused is null)
                    {
                        System.Diagnostics.Process.GetCurrentProcess().Kill();
                    }
                }
                finally
                {
                    serving.Release();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or InvalidDataException
            or InvalidProtocolBufferException or OperationCanceledException or SocketException)
        {
            if (!ct.IsCancellationRequested)
            {
                LogConnectionEnded(ex.Message);
            }
        }
    }

    /// <summary>The TLS options for the current certificate (renewals swap it), its chain built once rather than per connection.</summary>
    private SslServerAuthenticationOptions ServerOptions()
    {
        if (_tls is { } current && ReferenceEquals(current.ServerCertificateContext?.TargetCertificate, identity.Certificate))
        {
            return current;
        }

        return _tls = PeerTls.Server(identity.Certificate!, identity.Ca!);
    }

    /// <returns>Why the piece is not served, or the pooled buffer holding it (returned once it is sent) and its length.</returns>
    private async Task<(string? Refused, byte[]? Rented, int Length)> AnswerAsync(PieceRequest request, string peer, CancellationToken ct)
    {
        if (TestOnlyStallServedPieces)
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }

        if (PeerGrants.Check(request.Grant, request.Sha256, peer, identity.Ca!, clock.GetUtcNow()) is { } refused)
        {
            LogRefused(peer, request.Sha256, refused);
            return ($"refused: {refused}", null, 0);
        }

        if (pieces.Find(request.Sha256, (int)request.Piece, request.PieceBytes) is not { } where)
        {
            return ($"piece {request.Piece} of {request.Sha256} is not here", null, 0);
        }

        var rented = ArrayPool<byte>.Shared.Rent(where.Length);
        var data = rented.AsMemory(0, where.Length);
        try
        {
            using SafeFileHandle file = File.OpenHandle(where.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
            var read = await RandomAccess.ReadAsync(file, data, where.Offset, ct).ConfigureAwait(false);
            if (read != data.Length)
            {
                ArrayPool<byte>.Shared.Return(rented);
                return ($"piece {request.Piece} of {request.Sha256} could not be read", null, 0);
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(rented);
            throw;
        }

        if (TestOnlyCorruptServedPieces && data.Length > 0)
        {
            data.Span[data.Length / 2] ^= 0xff;
        }

        metrics.ArtifactBytes("out", data.Length, "peer");
        return (null, rented, data.Length);
    }

    [LoggerMessage(EventId = 150, Level = LogLevel.Information, Message = "Serving artifact pieces to peers on {Address}:{Port} (test-only faults: corrupt {Corrupt}, stall {Stall}, die {Die})")]
    private partial void LogListening(string address, int port, bool corrupt, bool stall, bool die);

    [LoggerMessage(EventId = 151, Level = LogLevel.Debug, Message = "Peer connection ended: {Reason}")]
    private partial void LogConnectionEnded(string reason);

    [LoggerMessage(EventId = 152, Level = LogLevel.Warning, Message = "Refused peer {Peer} a piece of {Sha256}: {Reason}")]
    private partial void LogRefused(string peer, string sha256, string reason);
}
