using System.Net;
using System.Net.Sockets;
using Akd.Client.Channels;
using Akd.Testing;

namespace Akd.Client.Tests.Channels;

/// <summary>Real loopback sockets: 127.0.0.1 and 127.0.0.2 stand for two replicas behind one name.</summary>
public sealed class SpreadConnectTests
{
    private static readonly IPAddress Second = IPAddress.Parse("127.0.0.2");

    [Fact(Timeout = 30_000)]
    public async Task ConnectAsync_OneAddressRefuses_EveryConnectionReachesTheOther()
    {
        // Arrange: only 127.0.0.1 listens on the port the name's two addresses share.
        var port = Ports.Free();
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        SpreadConnect.Resolver resolve = (_, _) => Task.FromResult(new[] { Second, IPAddress.Loopback });

        // Act: enough connections that the refusing address comes first in some of them.
        for (var i = 0; i < 20; i++)
        {
            await using var stream = await SpreadConnect.ConnectAsync("replicas.test", port, resolve, CancellationToken.None);
            using var accepted = await listener.AcceptTcpClientAsync();

            // Assert
            Assert.Equal(IPAddress.Loopback, ((IPEndPoint)accepted.Client.LocalEndPoint!).Address);
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task ConnectAsync_TwoAddressesListen_ConnectionsSpreadOverBoth()
    {
        // Arrange
        var port = Ports.Free();
        using var first = new TcpListener(IPAddress.Loopback, port);
        using var second = new TcpListener(Second, port);
        first.Start();
        second.Start();
        SpreadConnect.Resolver resolve = (_, _) => Task.FromResult(new[] { IPAddress.Loopback, Second });
        var streams = new List<Stream>();

        // Act
        for (var i = 0; i < 40; i++)
        {
            streams.Add(await SpreadConnect.ConnectAsync("replicas.test", port, resolve, CancellationToken.None));
        }

        // Assert: both took connections (all 40 on one would happen with probability 2^-39).
        var atFirst = await AcceptPendingAsync(first);
        var atSecond = await AcceptPendingAsync(second);
        Assert.Equal(40, atFirst + atSecond);
        Assert.InRange(atFirst, 1, 39);
        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task ConnectAsync_NoAddressListens_ThrowsTheRefusal()
    {
        // Arrange
        var port = Ports.Free();
        SpreadConnect.Resolver resolve = (_, _) => Task.FromResult(new[] { IPAddress.Loopback, Second });

        // Act
        var ex = await Assert.ThrowsAsync<SocketException>(() => SpreadConnect.ConnectAsync("replicas.test", port, resolve, CancellationToken.None));

        // Assert
        Assert.Equal(SocketError.ConnectionRefused, ex.SocketErrorCode);
    }

    private static async Task<int> AcceptPendingAsync(TcpListener listener)
    {
        var count = 0;
        while (listener.Pending())
        {
            using var client = await listener.AcceptTcpClientAsync();
            count++;
        }

        return count;
    }
}
