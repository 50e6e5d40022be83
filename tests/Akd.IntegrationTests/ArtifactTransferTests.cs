using System.Security.Cryptography;
using Akd.Agent.Transport;
using Akd.Agent;
using Akd.Agent.Artifacts;
using Akd.Agent.Connection;
using Akd.Agent.Identity;
using Akd.Client.Artifacts;
using Akd.Client.Channels;
using Akd.Contracts.Trust;
using Akd.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// The client library's artifact transfer (as akdctl uses it, and through the agent's ArtifactClient) against a
/// real coordinator process: uploads send their digest after the
/// data (hashed while streaming), downloads are hashed as they arrive, also when they resume. An agent
/// uploads only within a build step it runs, which these tests have none of: the bytes go up with an
/// operator's token, on the same path (a build agent's upload in its step is part of every deploy test).
/// </summary>
public sealed class ArtifactTransferTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "akd-it-artifacts-" + Guid.NewGuid().ToString("N")[..6]);
    private TestCoordinator _coordinator = null!;
    private string _url = "";
    private string _adminToken = "";

    public async Task InitializeAsync()
    {
        _coordinator = await TestCoordinator.StartAsync(AkdPrograms.Current, Path.Combine(_root, "coordinator"), CancellationToken.None);
        _url = _coordinator.Url;
        _adminToken = _coordinator.AdminToken;
    }

    public Task DisposeAsync()
    {
        output.WriteLine(_coordinator.Process.Output);
        _coordinator.Dispose();
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact(Timeout = 60_000)]
    public async Task UploadThenDownload_ThreeMegabytes_StoredUnderItsDigestAndArrivesIdentical()
    {
        // Arrange: a file larger than one chunk.
        var source = WriteRandomFile("release.tar.gz", 3 * 1024 * 1024 + 17);
        using var op = Operator();

        // Act
        var stored = await op.Transfer.UploadAsync(source, "release", CancellationToken.None);
        var local = await op.Transfer.DownloadAsync(stored, op.CacheDir, output.WriteLine, CancellationToken.None);

        // Assert
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(source))), stored.Sha256);
        Assert.Equal(new FileInfo(source).Length, stored.Size);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(local));
    }

    [Fact(Timeout = 60_000)]
    public async Task Download_ArtifactNoStepOfTheAgentNeeds_Refused()
    {
        // Arrange: an artifact stored; an agent with no step that needs it.
        var source = WriteRandomFile("other.tar.gz", 100_000);
        using var op = Operator();
        using var web = await ClientAsync("web");
        var stored = await op.Transfer.UploadAsync(source, "release", CancellationToken.None);

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(() => web.Client.DownloadAsync(stored, output.WriteLine, CancellationToken.None));

        // Assert
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains($"runs no step that needs artifact {stored.Sha256}", error.Status.Detail);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("", "it runs no build step")]
    [InlineData("made-up-step", "build step made-up-step is not one it runs")]
    public async Task Upload_AgentRunningNoSuchBuildStep_RefusedBeforeAnyByteIsStored(string stepId, string why)
    {
        // Arrange: an enrolled agent that runs no build step (an impostor "build agent", or a web host).
        var source = WriteRandomFile("forged.tar.gz", 100_000);
        using var web = await ClientAsync("web");

        // Act
        var error = await Assert.ThrowsAsync<RpcException>(() => web.Client.UploadAsync(source, "release", stepId, CancellationToken.None));

        // Assert
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains($"may not upload: {why}", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "coordinator", "artifacts", "tmp")));
        Assert.False(Directory.Exists(Path.Combine(_root, "coordinator", "artifacts", "sha256")) &&
            Directory.EnumerateFiles(Path.Combine(_root, "coordinator", "artifacts", "sha256"), "*", SearchOption.AllDirectories).Any());
    }

    [Fact(Timeout = 60_000)]
    public async Task Upload_DigestAfterDataDisagrees_RefusedAsDataLossAndNotStored()
    {
        // Arrange: an upload whose trailing digest is not the digest of its bytes.
        using var channel = new TestChannel(_url, CaFile, _adminToken);
        var client = new Contracts.V1.Artifacts.ArtifactsClient(channel.Invoker);
        var data = RandomNumberGenerator.GetBytes(1000);
        var claimed = Convert.ToHexStringLower(SHA256.HashData(RandomNumberGenerator.GetBytes(10)));

        // Act
        using var call = client.Upload();
        await call.RequestStream.WriteAsync(new UploadRequest { Header = new UploadHeader { Size = data.Length, Kind = "release" } });
        await call.RequestStream.WriteAsync(new UploadRequest { Data = ByteString.CopyFrom(data) });
        await call.RequestStream.WriteAsync(new UploadRequest { Sha256 = claimed });
        await call.RequestStream.CompleteAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        // Assert
        Assert.Equal(StatusCode.DataLoss, error.StatusCode);
        Assert.Contains(claimed, error.Status.Detail);
        var stat = await Assert.ThrowsAsync<RpcException>(() => client.StatAsync(new ArtifactRef { Sha256 = claimed }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, stat.StatusCode);
    }

    [Fact(Timeout = 60_000)]
    public async Task Upload_EndsWithoutItsDigest_RefusedAsDataLossAndNothingLeftBehind()
    {
        // Arrange: the one protocol sends the digest after the data; an upload that never does is incomplete.
        using var channel = new TestChannel(_url, CaFile, _adminToken);
        var client = new Contracts.V1.Artifacts.ArtifactsClient(channel.Invoker);
        var data = RandomNumberGenerator.GetBytes(1000);

        // Act
        using var call = client.Upload();
        await call.RequestStream.WriteAsync(new UploadRequest { Header = new UploadHeader { Size = data.Length, Kind = "release" } });
        await call.RequestStream.WriteAsync(new UploadRequest { Data = ByteString.CopyFrom(data) });
        await call.RequestStream.CompleteAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        // Assert
        Assert.Equal(StatusCode.DataLoss, error.StatusCode);
        Assert.Contains("without its SHA-256", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "coordinator", "artifacts", "tmp")));
        Assert.False(Directory.Exists(Path.Combine(_root, "coordinator", "artifacts", "sha256")) &&
            Directory.EnumerateFiles(Path.Combine(_root, "coordinator", "artifacts", "sha256"), "*", SearchOption.AllDirectories).Any());
    }

    [Fact(Timeout = 60_000)]
    public async Task UploadAsync_OperatorTokenThroughClientLibrary_StoredUnderItsDigest()
    {
        // Arrange: akdctl's path: the client library's channel with a bearer token and its ArtifactTransfer.
        var source = WriteRandomFile("local-build.tar.gz", 300_000);
        using var channel = new ClientChannel(new ClientChannelOptions { Address = _url, Ca = CaTrust.LoadCertificate(CaFile), BearerToken = _adminToken });
        var transfer = new ArtifactTransfer(channel.Invoker, new ArtifactTransferOptions());

        // Act
        var stored = await transfer.UploadAsync(source, "release", CancellationToken.None);
        var stat = await new Contracts.V1.Artifacts.ArtifactsClient(channel.Invoker).StatAsync(stored);

        // Assert
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(source))), stored.Sha256);
        Assert.Equal(300_000, stat.Size);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(Path.Combine(_root, "coordinator", "artifacts", "sha256", stored.Sha256[..2], stored.Sha256)));
    }

    [Fact(Timeout = 60_000)]
    public async Task Upload_DeclaresTenTerabytes_RefusedBeforeAnyByteIsStored()
    {
        // Arrange
        using var channel = new TestChannel(_url, CaFile, _adminToken);
        var client = new Contracts.V1.Artifacts.ArtifactsClient(channel.Invoker);

        // Act
        using var call = client.Upload();
        await call.RequestStream.WriteAsync(new UploadRequest { Header = new UploadHeader { Size = 10L << 40, Kind = "release" } });
        try
        {
            await call.RequestStream.WriteAsync(new UploadRequest { Data = ByteString.CopyFrom(new byte[1024]) });
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The coordinator may refuse the call before these writes finish (they then fail as Cancelled); the response carries why.
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        // Assert
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("Coordinator:MaxArtifactBytes", error.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "coordinator", "artifacts", "tmp")));
    }

    [Fact(Timeout = 60_000)]
    public async Task Download_ResumesFromAGoodPartialFile_CompletesAndVerifies()
    {
        // Arrange: the first half already on disk, as an interrupted download leaves it.
        var source = WriteRandomFile("resume.bin", 2 * 1024 * 1024);
        using var op = Operator();
        var stored = await op.Transfer.UploadAsync(source, "release", CancellationToken.None);
        var partial = Path.Combine(op.CacheDir, stored.Sha256 + ".part");
        Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
        File.WriteAllBytes(partial, File.ReadAllBytes(source)[..(1024 * 1024)]);
        var log = new List<string>();

        // Act
        var local = await op.Transfer.DownloadAsync(stored, op.CacheDir, log.Add, CancellationToken.None);

        // Assert
        Assert.Contains(log, line => line.StartsWith("resuming download at byte 1048576", StringComparison.Ordinal));
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(local));
    }

    [Fact(Timeout = 60_000)]
    public async Task Download_ResumesFromACorruptPartialFile_RefusesAndDiscardsIt()
    {
        // Arrange: a partial file whose bytes are not the artifact's: the digest must cover them too.
        var source = WriteRandomFile("corrupt.bin", 2 * 1024 * 1024);
        using var op = Operator();
        var stored = await op.Transfer.UploadAsync(source, "release", CancellationToken.None);
        var partial = Path.Combine(op.CacheDir, stored.Sha256 + ".part");
        Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
        File.WriteAllBytes(partial, RandomNumberGenerator.GetBytes(1024 * 1024));

        // Act
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => op.Transfer.DownloadAsync(stored, op.CacheDir, output.WriteLine, CancellationToken.None));

        // Assert
        Assert.Contains("corrupt", error.Message);
        Assert.False(File.Exists(partial));
        Assert.False(File.Exists(Path.Combine(op.CacheDir, stored.Sha256)));
    }

    private string WriteRandomFile(string name, int size)
    {
        Directory.CreateDirectory(_root);
        var path = Path.Combine(_root, name);
        File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(size));
        return path;
    }

    private string CaFile => _coordinator.CaFile;

    /// <summary>An agent's artifact client, enrolled as a real agent is (join token, its own key).</summary>
    private async Task<AgentSide> ClientAsync(string name)
    {
        var dataDir = Path.Combine(_root, name + "-" + Guid.NewGuid().ToString("N")[..4]);
        var join = await _coordinator.Admin.JoinTokenAsync("role=transfer", Path.GetFileName(dataDir));
        var options = Options.Create(new AgentOptions { Coordinator = _url, Join = join, DataDir = dataDir, Name = Path.GetFileName(dataDir) });
        var identity = new AgentIdentity(options, TimeProvider.System);
        await new Enroller(identity, options, NullLogger<Enroller>.Instance).EnsureEnrolledAsync(CancellationToken.None);
        return new AgentSide(options, identity, dataDir);
    }

    /// <summary>akdctl's side: the client library's channel with the admin token, and a cache folder of its own.</summary>
    private OperatorSide Operator() =>
        new(new ClientChannel(new ClientChannelOptions { Address = _url, Ca = CaTrust.LoadCertificate(CaFile), BearerToken = _adminToken }),
            Path.Combine(_root, "operator-cache-" + Guid.NewGuid().ToString("N")[..4]));

    private sealed class OperatorSide(ClientChannel channel, string cacheDir) : IDisposable
    {
        public ArtifactTransfer Transfer { get; } = new(channel.Invoker, new ArtifactTransferOptions());

        public string CacheDir => cacheDir;

        public void Dispose() => channel.Dispose();
    }

    private sealed class AgentSide : IDisposable
    {
        private readonly CoordinatorChannel _channel;

        public AgentSide(IOptions<AgentOptions> options, AgentIdentity identity, string dataDir)
        {
            DataDir = dataDir;
            _channel = new CoordinatorChannel(options, identity);
            Client = new ArtifactClient(_channel, new ArtifactCache(options.Value, TimeProvider.System), options);
        }

        public string DataDir { get; }

        public ArtifactClient Client { get; }

        public void Dispose() => _channel.Dispose();
    }
}
