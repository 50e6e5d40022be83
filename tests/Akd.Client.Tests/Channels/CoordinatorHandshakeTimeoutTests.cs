using System.Net.Sockets;
using Akd.Testing;

namespace Akd.Client.Tests.Channels;

/// <summary>
/// Coordinator:HandshakeTimeout reaches Kestrel: a connection that never starts its TLS handshake is closed once it
/// passes, not at Kestrel's own 10 s. (The coordinator's default, 30 s, matches the agents' handshake timeout.)
/// </summary>
public sealed class CoordinatorHandshakeTimeoutTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("akd-handshake-").FullName;
    private TestCoordinator _coordinator = null!;

    public async Task InitializeAsync() => _coordinator = await TestCoordinator.StartAsync(
        AkdPrograms.Current, Path.Combine(_root, "coordinator"), CancellationToken.None,
        env: new Dictionary<string, string> { ["Coordinator__HandshakeTimeout"] = "00:00:01" });

    public Task DisposeAsync()
    {
        _coordinator.Dispose();
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact(Timeout = 60_000)]
    public async Task Connect_ClientNeverSendsItsHello_CoordinatorClosesTheConnectionWithinItsHandshakeTimeout()
    {
        // Arrange: a TCP connection that sends nothing, as a client stuck before its TLS hello.
        var uri = new Uri(_coordinator.Url);
        using var client = new TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port);
        var stream = client.GetStream();

        // Act: wait for the coordinator to close it, for less than Kestrel's default of 10 s.
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(6));
        var read = await stream.ReadAsync(new byte[1], wait.Token);

        // Assert: closed by the coordinator, nothing sent.
        Assert.Equal(0, read);
    }
}
