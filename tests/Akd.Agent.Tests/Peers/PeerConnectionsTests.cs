using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akd.Agent.Artifacts;
using Akd.Agent.Identity;
using Akd.Agent.Peers;
using Akd.Contracts.Trust;
using Akd.Contracts.V1;
using Akd.Testing;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Tests.Peers;

/// <summary>
/// A downloader's peer connections against a real <see cref="PeerServer"/> on loopback, both sides with certificates of
/// a CA made here as the coordinator makes them; a counting TCP relay in between shows how many connections (and so
/// TLS handshakes) the pieces took.
/// </summary>
public sealed class PeerConnectionsTests : IAsyncLifetime
{
    private const int PieceBytes = 1024 * 1024;
    private readonly string _root = Directory.CreateTempSubdirectory("akd-peer-connections-").FullName;
    private readonly byte[] _artifact = RandomNumberGenerator.GetBytes(PieceBytes * 5 / 2);
    private readonly CancellationTokenSource _stop = new();
    private ECDsa _caKey = null!;
    private X509Certificate2 _ca = null!;
    private AgentIdentity _downloader = null!;
    private PeerServer _server = null!;
    private CountingRelay _relay = null!;
    private string _sha = "";

    public async Task InitializeAsync()
    {
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=test CA", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(2));

        // The serving agent holds the whole artifact in its cache.
        var serverOptions = new AgentOptions { DataDir = Path.Combine(_root, "web-1"), PeerPort = Ports.Free(), PeerListenAddress = "127.0.0.1" };
        var serverIdentity = Enroll("web-1", serverOptions);
        var cache = new ArtifactCache(serverOptions, TimeProvider.System);
        Directory.CreateDirectory(cache.Dir);
        _sha = Convert.ToHexStringLower(SHA256.HashData(_artifact));
        await File.WriteAllBytesAsync(Path.Combine(cache.Dir, _sha), _artifact);
        _server = new PeerServer(Options.Create(serverOptions), serverIdentity, new PeerPieces(cache), TestMetrics.Agent, TimeProvider.System, NullLogger<PeerServer>.Instance);
        await _server.StartAsync(_stop.Token);
        await Ports.WaitListeningAsync(serverOptions.PeerPort, TimeSpan.FromSeconds(20), _stop.Token);
        _relay = new CountingRelay(serverOptions.PeerPort);

        _downloader = Enroll("web-2", new AgentOptions { DataDir = Path.Combine(_root, "web-2") });
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _server.StopAsync(CancellationToken.None);
        _relay.Dispose();
        _ca.Dispose();
        _caKey.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact(Timeout = 60_000)]
    public async Task FetchAsync_PiecesOneAfterAnother_AllOverOneConnection()
    {
        // Arrange
        await using var connections = new PeerConnections(_downloader, new AgentOptions());

        // Act: every piece, then the first again.
        var fetched = new List<byte[]>();
        foreach (var piece in new[] { 0, 1, 2, 0 })
        {
            fetched.Add((await connections.FetchAsync(Peer(), Request(piece), _stop.Token)).ToArray());
        }

        // Assert
        Assert.Equal(_artifact[..PieceBytes], fetched[0]);
        Assert.Equal(_artifact[PieceBytes..(2 * PieceBytes)], fetched[1]);
        Assert.Equal(_artifact[(2 * PieceBytes)..], fetched[2]);
        Assert.Equal(fetched[0], fetched[3]);
        Assert.Equal(1, _relay.Accepted);
    }

    [Fact(Timeout = 60_000)]
    public async Task FetchAsync_TwoAtOnceThenMore_TwoConnectionsReused()
    {
        // Arrange
        await using var connections = new PeerConnections(_downloader, new AgentOptions());

        // Act: two pieces at once need two connections; the next two reuse them.
        var first = await Task.WhenAll(connections.FetchAsync(Peer(), Request(0), _stop.Token), connections.FetchAsync(Peer(), Request(1), _stop.Token));
        var second = await Task.WhenAll(connections.FetchAsync(Peer(), Request(2), _stop.Token), connections.FetchAsync(Peer(), Request(0), _stop.Token));

        // Assert
        Assert.Equal(_artifact[PieceBytes..(2 * PieceBytes)], first[1].ToArray());
        Assert.Equal(_artifact[(2 * PieceBytes)..], second[0].ToArray());
        Assert.Equal(2, _relay.Accepted);
    }

    [Fact(Timeout = 60_000)]
    public async Task FetchAsync_GrantOfAnotherAgent_RefusedAndTheNextFetchDialsAgain()
    {
        // Arrange: a grant made out to web-3, shown by web-2.
        await using var connections = new PeerConnections(_downloader, new AgentOptions());
        var stolen = Request(0);
        stolen.Grant = Grant("web-3");

        // Act
        var refused = await Assert.ThrowsAsync<PeerRefusedException>(() => connections.FetchAsync(Peer(), stolen, _stop.Token));
        var after = await connections.FetchAsync(Peer(), Request(1), _stop.Token);

        // Assert: the grant is checked per request; a failed fetch closes its connection.
        Assert.Contains("the grant is for agent web-3, not web-2", refused.Message);
        Assert.Equal(_artifact[PieceBytes..(2 * PieceBytes)], after.ToArray());
        Assert.Equal(2, _relay.Accepted);
    }

    private SwarmPeer Peer() => new() { Name = "web-1", Host = "127.0.0.1", Port = (uint)_relay.Port };

    private PieceRequest Request(int piece) => new() { Sha256 = _sha, Piece = (uint)piece, PieceBytes = PieceBytes, Grant = Grant("web-2") };

    private PeerGrant Grant(string agent)
    {
        var body = new PeerGrantBody { Sha256 = _sha, Agent = agent, ExpiresUnixSeconds = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds() }.ToByteArray();
        return new PeerGrant { Body = ByteString.CopyFrom(body), Signature = ByteString.CopyFrom(_caKey.SignData(body, HashAlgorithmName.SHA256)) };
    }

    /// <summary>An agent's identity files as enrollment leaves them: the CA, its key, a client certificate the CA issued.</summary>
    private AgentIdentity Enroll(string name, AgentOptions options)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([CaTrust.ClientAuth], false));
        using var issued = request.Create(_ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(16));
        var dir = Path.Combine(options.DataDir, "identity");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "ca.crt"), _ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "agent.key"), key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(dir, "agent.crt"), issued.ExportCertificatePem());
        var identity = new AgentIdentity(Options.Create(options), TimeProvider.System);
        Assert.True(identity.TryLoad());
        return identity;
    }

    /// <summary>Relays TCP connections to the server's port and counts them: one per TLS handshake.</summary>
    private sealed class CountingRelay : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private int _accepted;

        public CountingRelay(int target)
        {
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    Interlocked.Increment(ref _accepted);
                    _ = Task.Run(async () =>
                    {
                        using var inbound = client;
                        using var outbound = new TcpClient();
                        await outbound.ConnectAsync(IPAddress.Loopback, target, _stop.Token);
                        var a = inbound.GetStream();
                        var b = outbound.GetStream();
                        await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
                    });
                }
            });
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Accepted => Volatile.Read(ref _accepted);

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }
}
