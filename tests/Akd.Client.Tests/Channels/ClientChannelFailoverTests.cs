using Akd.Client.Channels;
using Akd.Contracts.Trust;
using Akd.Contracts.V1;
using Grpc.Core;
using Grpc.Health.V1;

namespace Akd.Client.Tests.Channels;

/// <summary>A channel given two replicas' URLs, one down, against a real coordinator process.</summary>
public sealed class ClientChannelFailoverTests(OneCoordinator fleet) : IClassFixture<OneCoordinator>
{
    [Fact(Timeout = 60_000)]
    public async Task AsyncUnaryCall_FirstReplicaDown_AnsweredByTheNextWhichKeepsTheCalls()
    {
        // Arrange: the replica that is down is tried first.
        using var channel = Channel($"{fleet.DownUrl},{fleet.Coordinator.Url}");
        var health = new Health.HealthClient(channel.Invoker);

        // Act
        var first = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(30));
        var address = channel.Address;
        var second = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(30));

        // Assert
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, first.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, second.Status);
        Assert.Equal(new Uri(fleet.Coordinator.Url), address);
    }

    [Fact(Timeout = 60_000)]
    public async Task AsyncServerStreamingCall_FirstReplicaDown_StreamsFromTheNext()
    {
        // Arrange
        using var channel = Channel($"{fleet.DownUrl},{fleet.Coordinator.Url}");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        // Act
        using var watch = new Health.HealthClient(channel.Invoker).Watch(new HealthCheckRequest(), cancellationToken: cts.Token);
        var more = await watch.ResponseStream.MoveNext(cts.Token);

        // Assert
        Assert.True(more);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, watch.ResponseStream.Current.Status);
        Assert.Equal(new Uri(fleet.Coordinator.Url), channel.Address);
    }

    [Fact(Timeout = 60_000)]
    public async Task AsyncUnaryCall_ReachedReplicaRefuses_NotRepeatedElsewhere()
    {
        // Arrange: the live replica first; a call without a credential reaches it and is refused there.
        using var channel = Channel($"{fleet.Coordinator.Url},{fleet.DownUrl}");
        var control = new Control.ControlClient(channel.Invoker);

        // Act
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await control.ListDeploymentsAsync(new ListDeploymentsRequest(), deadline: DateTime.UtcNow.AddSeconds(30)));

        // Assert: the coordinator's own answer, and later calls still go to it.
        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
        Assert.Equal(new Uri(fleet.Coordinator.Url), channel.Address);
    }

    [Fact(Timeout = 60_000)]
    public async Task AsyncUnaryCall_EveryReplicaDown_UnavailableAfterTryingEach()
    {
        // Arrange
        var otherDown = $"https://127.0.0.1:{Akd.Testing.Ports.Free()}";
        using var channel = Channel($"{fleet.DownUrl},{otherDown}");

        // Act
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
            await new Health.HealthClient(channel.Invoker).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(30)));

        // Assert: both were tried, so the next call starts over at the first.
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.True(ConnectFailures.NotSent(ex));
        Assert.Equal(new Uri(fleet.DownUrl), channel.Address);
    }

    [Fact(Timeout = 60_000)]
    public async Task AsyncUnaryCall_FirstReplicaTakesTheConnectionButNeverHandshakes_AnsweredByTheNextAfterTheHandshakeTimeout()
    {
        // Arrange: a frozen replica (the kernel still completes its TCP connects) is tried first.
        using var frozen = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        frozen.Start();
        var frozenUrl = $"https://127.0.0.1:{((System.Net.IPEndPoint)frozen.LocalEndpoint).Port}";
        using var channel = Channel($"{frozenUrl},{fleet.Coordinator.Url}", handshakeTimeout: TimeSpan.FromSeconds(1));
        var health = new Health.HealthClient(channel.Invoker);

        // Act
        var answer = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(30));

        // Assert: the handshake that never ended counted as a connect failure, so the call moved on, as later ones do.
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, answer.Status);
        Assert.Equal(new Uri(fleet.Coordinator.Url), channel.Address);
    }

    private ClientChannel Channel(string addresses, TimeSpan? handshakeTimeout = null) => new(new ClientChannelOptions
    {
        Address = addresses,
        Ca = CaTrust.LoadCertificate(fleet.Coordinator.CaFile),
        FirstAddress = 0,
        HandshakeTimeout = handshakeTimeout ?? Reconnects.HandshakeTimeout,
    });
}
