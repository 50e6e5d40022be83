using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Akd.Contracts.V1;
using Akd.IntegrationTests.Fleet;
using Akd.IntegrationTests.Observability;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// One coordinator and build agent for the peer-to-peer cases, started once (each case used to start its own, about
/// a minute each on 2 cores). Each case adds its own web agents, in a peer network of its own (the enrollment label
/// <c>peer-network</c>), and deploys to those alone: a corrupt, stalled or dead peer of one case is never offered to another.
/// </summary>
public sealed class PeerFleet : IAsyncLifetime
{
    public const int PayloadBytes = 64 * 1024 * 1024;

    internal LocalFleet Fleet { get; private set; } = null!;

    internal HelloApp App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Fleet = await LocalFleet.StartAsync(new FleetOptions { WebAgents = 0 }, CancellationToken.None);
        App = HelloApp.CopyTo(Fleet.Root);
        Directory.CreateDirectory(Path.Combine(App.Dir, "priv"));
        await File.WriteAllBytesAsync(Path.Combine(App.Dir, "priv", "payload.bin"), RandomNumberGenerator.GetBytes(PayloadBytes));
    }

    public async Task DisposeAsync() => await Fleet.DisposeAsync();
}

/// <summary>
/// Peer-to-peer delivery on loopback: web agents started with a peer port deploy examples/hello carrying 64 MB of
/// random bytes in priv/, so the release is a 64 MB artifact; the coordinator's own byte counter says what it sent.
/// </summary>
public sealed class PeerDeliveryTests(PeerFleet shared, ITestOutputHelper output) : IClassFixture<PeerFleet>, IAsyncLifetime
{
    private const int PayloadBytes = PeerFleet.PayloadBytes;
    private static readonly TimeSpan DeployTimeout = TimeSpan.FromMinutes(8);
    private readonly LocalFleet _fleet = shared.Fleet;
    private readonly HelloApp _app = shared.App;
    private readonly List<LocalFleet.WebHost> _hosts = [];
    private string _case = "";

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        // This case's processes only (the coordinator's log is the shared one, up to now).
        var mine = new[] { _fleet.BuildAgentName }.Concat(_hosts.Select(h => h.Name));
        output.WriteLine($"===== coordinator =====\n{_fleet.Coordinator.Process.TimedOutput}");
        foreach (var name in mine.Where(_fleet.Agents.ContainsKey))
        {
            output.WriteLine($"===== {name} =====\n{_fleet.Agents[name].TimedOutput}");
        }

        return Task.CompletedTask;
    }

    [Fact(Timeout = 900_000)]
    public async Task Deploy_SixAgentsWithPeerPorts_ReleaseReachesAllWithCoordinatorEgressUnderOneAndAHalfArtifacts()
    {
        // Arrange: six web agents with peer ports, all activated at once.
        for (var i = 1; i <= 6; i++)
        {
            await AddPeerAsync("six", $"{i}");
        }

        var manifest = Manifest("akd.peers.yaml", "{ batch: all }");
        var before = await CoordinatorBytesOutAsync();

        // Act
        var result = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest, "--output", "json");
        output.WriteLine(result.ToString());

        // Assert: every host serves the release; the coordinator sent at most 1.5 artifacts; peers carried the rest.
        CliAssert.Succeeded(result);
        var id = CliJson.DeploymentId(result);
        var artifactSize = new FileInfo(await _fleet.ArtifactPathAsync(id, CancellationToken.None)).Length;
        Assert.True(artifactSize > PayloadBytes, $"the release holds the payload ({artifactSize} bytes)");
        var deployment = await GetDeploymentAsync(id);
        // The build agent's download of the source (which carries the payload too) is egress of the build, not the delivery.
        var sourceSize = new FileInfo(Path.Combine(_fleet.Coordinator.DataDir, "artifacts", "sha256", deployment.SourceSha256[..2], deployment.SourceSha256)).Length;
        var egress = await CoordinatorBytesOutAsync() - before - sourceSize;
        output.WriteLine($"artifact {artifactSize} bytes, coordinator sent {egress} for it ({egress / artifactSize:0.00}x)");
        Assert.InRange(egress, artifactSize, 1.5 * artifactSize);
        long fromPeers = 0;
        foreach (var host in _hosts)
        {
            Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(host.Port));
            var transfer = Assert.Single(deployment.Hosts, h => h.Host == host.Name && h.Step == StepKind.Activate).Transfer;
            Assert.NotNull(transfer);
            Assert.Equal(artifactSize, transfer.BytesFromCoordinator + transfer.BytesFromPeers);
            fromPeers += transfer.BytesFromPeers;
        }

        Assert.True(fromPeers >= 4 * artifactSize, $"peers carried {fromPeers} bytes");
    }

    [Fact(Timeout = 900_000)]
    public async Task Deploy_FirstHostServesCorruptPieces_DetectedBannedAndEveryHostGetsTheRelease()
    {
        // Arrange: web-1 (first in the rollout, one host at a time) flips a byte in every piece it serves (the
        // test-only fault switch), so web-2 can only get its pieces from a corrupt peer first.
        await AddPeerAsync("corrupt", "1", corrupt: true);
        await AddPeerAsync("corrupt", "2");
        await AddPeerAsync("corrupt", "3");
        var manifest = Manifest("akd.corrupt.yaml", "{ batch: 1 }");

        // Act
        var result = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest, "--output", "json");
        output.WriteLine(result.ToString());

        // Assert: the deploy succeeded on every host; web-2 caught the bad piece, the coordinator banned web-1 for it.
        CliAssert.Succeeded(result);
        foreach (var host in _hosts)
        {
            Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(host.Port));
        }

        var corrupt = _hosts[0].Name;
        Assert.Contains("does not match the manifest", _fleet.Agents[_hosts[1].Name].Output);
        Assert.Contains($"Peer {corrupt} sent a bad piece", _fleet.Coordinator.Process.Output);
    }

    [Fact(Timeout = 900_000)]
    public async Task Deploy_FirstHostStopsAnsweringMidTransfer_OthersGiveItUpAndGetTheReleaseElsewhere()
    {
        // Arrange: web-1 (first in the rollout) takes piece requests and never answers, as a peer that hung or died
        // with its connections open (the test-only stall switch); the others give a peer 3 s per piece.
        await AddPeerAsync("stall", "1", stall: true, quickGiveUp: true);
        await AddPeerAsync("stall", "2", quickGiveUp: true);
        await AddPeerAsync("stall", "3", quickGiveUp: true);
        var manifest = Manifest("akd.stall.yaml", "{ batch: 1 }");

        // Act
        var result = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest, "--output", "json");
        output.WriteLine(result.ToString());

        // Assert: every host got the release; web-2 gave web-1 up and fetched from the coordinator; web-3 then had web-2.
        CliAssert.Succeeded(result);
        var id = CliJson.DeploymentId(result);
        var artifactSize = new FileInfo(await _fleet.ArtifactPathAsync(id, CancellationToken.None)).Length;
        foreach (var host in _hosts)
        {
            Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(host.Port));
        }

        var (stalled, second, third) = (_hosts[0].Name, _hosts[1].Name, _hosts[2].Name);
        Assert.Contains($"from {stalled} failed", _fleet.Agents[second].Output);
        var deployment = await GetDeploymentAsync(id);
        TransferStats Of(string host) => Assert.Single(deployment.Hosts, h => h.Host == host && h.Step == StepKind.Activate).Transfer;
        Assert.Equal(artifactSize, Of(second).BytesFromCoordinator + Of(second).BytesFromPeers);
        Assert.True(Of(third).BytesFromPeers > 0, $"web-3 got {Of(third).BytesFromPeers} bytes from peers");
    }

    [Fact(Timeout = 900_000)]
    public async Task Deploy_FirstHostKilledAfterServingOnePiece_NextHostFinishesFromTheCoordinatorAndTheDeploySucceeds()
    {
        // Arrange: web-1 (first in the rollout) kills its own process right after it sent a peer its first piece (the
        // test-only switch), so web-2, for which web-1 is the only holder, loses its peer mid-transfer.
        await AddPeerAsync("kill", "1", die: true, quickGiveUp: true);
        await AddPeerAsync("kill", "2", quickGiveUp: true);
        await AddPeerAsync("kill", "3", quickGiveUp: true);
        var manifest = Manifest("akd.kill.yaml", "{ batch: 1 }");

        // Act
        var result = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest, "--output", "json");
        output.WriteLine(result.ToString());

        // Assert: web-1 died; web-2 got part of the release from it and the rest from the coordinator; web-3 from web-2.
        CliAssert.Succeeded(result);
        Assert.True(_fleet.Agents[_hosts[0].Name].HasExited, "web-1 killed itself");
        var id = CliJson.DeploymentId(result);
        var artifactSize = new FileInfo(await _fleet.ArtifactPathAsync(id, CancellationToken.None)).Length;
        var deployment = await GetDeploymentAsync(id);
        TransferStats Of(string host) => Assert.Single(deployment.Hosts, h => h.Host == host && h.Step == StepKind.Activate).Transfer;
        var (second, third) = (_hosts[1], _hosts[2]);
        Assert.InRange(Of(second.Name).BytesFromPeers, 1, artifactSize - 1);
        Assert.Equal(artifactSize, Of(second.Name).BytesFromCoordinator + Of(second.Name).BytesFromPeers);
        Assert.Equal(artifactSize, Of(third.Name).BytesFromPeers);
        Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(second.Port));
        Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(third.Port));
    }

    /// <summary>A web agent of this case: named web-CASE-ID (a rollout goes by name), in the case's own peer network.</summary>
    private async Task AddPeerAsync(string name, string id, bool corrupt = false, bool stall = false, bool die = false, bool quickGiveUp = false)
    {
        _case = name;
        var env = new Dictionary<string, string>
        {
            ["AKD_Agent__PeerPort"] = Ports.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        // A short piece timeout only where a case needs a peer given up quickly (one that stalls or dies): elsewhere
        // it gave up healthy peers that were merely slow on a loaded CI machine, and their pieces came from the
        // coordinator, which is what the six-host case measures (it failed once in CI that way).
        if (quickGiveUp)
        {
            env["AKD_Agent__PeerPieceTimeout"] = "00:00:03";
        }
        if (corrupt)
        {
            env["AKD_TEST_ONLY_CORRUPT_PEER_PIECES"] = "1";
        }

        if (stall)
        {
            env["AKD_TEST_ONLY_STALL_PEER_PIECES"] = "1";
        }

        if (die)
        {
            env["AKD_TEST_ONLY_DIE_AFTER_FIRST_PEER_PIECE"] = "1";
        }

        var host = await _fleet.AddWebAgentAsync($"{name}{id}", $"role=web,case={name},peer-network={name}", env, CancellationToken.None);
        _fleet.Web.Remove(host);
        _hosts.Add(host);
    }

    /// <summary>
    /// The hello manifest, deployed to this case's hosts only, with 30 s for a host's health check: six VMs unpacking a
    /// 64 MB release and booting at once share the CI machine with the other half of the suite; these cases are about
    /// where the bytes come from, not about how fast a VM boots.
    /// </summary>
    private string Manifest(string file, string rolling) =>
        _app.WriteManifest(file, FleetManifest.Yaml(rolling, FleetManifest.PatientHttpHealth).Replace("to: { role: web }", $"to: {{ role: web, case: {_case} }}", StringComparison.Ordinal));

    private Task<Deployment> GetDeploymentAsync(string id) =>
        new Control.ControlClient(_fleet.Coordinator.Admin.Invoker).GetDeploymentAsync(new GetDeploymentRequest { Id = id }).ResponseAsync;

    /// <summary>The coordinator's own count of artifact bytes it sent (downloads and followed uploads), from /metrics.</summary>
    private async Task<double> CoordinatorBytesOutAsync()
    {
        using var client = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = Akd.Contracts.Trust.CaTrust.ServerValidator(Akd.Contracts.Trust.CaTrust.LoadCertificate(_fleet.CaFile), trustSystem: false) },
        }) { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{_fleet.CoordinatorUrl}/metrics")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _fleet.AdminToken);
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return new PrometheusText(await response.Content.ReadAsStringAsync()).Sum("akd_artifact_bytes_total", ("direction", "out"));
    }
}
