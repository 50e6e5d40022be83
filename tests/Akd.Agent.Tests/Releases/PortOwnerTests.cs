using System.Net;
using System.Net.Sockets;
using Akd.Agent.Releases;
using Akd.Core.Manifest;
using Akd.Testing;

namespace Akd.Agent.Tests.Releases;

public sealed class PortOwnerTests
{
    [Fact(Timeout = 30_000)]
    public async Task ListenersOf_PortHeldByAnotherVm_NamesThatVmWhichIsNoDescendantOfTheApp()
    {
        // Arrange: a stale listener (an old release that never stopped) in a VM of its own.
        var port = Ports.Free();
        using var stale = ChildProcess.Start("erl", "-noshell", "-eval",
            $"{{ok, _}} = gen_tcp:listen({port}, [{{ip, {{127,0,0,1}}}}]), timer:sleep(infinity).");
        var endpoint = PortOwner.LocalEndpointOf(new HealthSettings { Tcp = $"127.0.0.1:{port}" }, $"127.0.0.1:{port}")!;
        IReadOnlySet<int> owners;
        while ((owners = PortOwner.ListenersOf(endpoint)).Count == 0)
        {
            await Task.Delay(20);
        }

        // Act: the VM erl exec'd holds the socket; it is no descendant of the new release's process.
        using var newApp = ChildProcess.Shell("sleep 300");
        var owner = Assert.Single(owners);
        var ofThisTest = PortOwner.IsSelfOrDescendant(owner, Environment.ProcessId);
        var ofTheNewApp = PortOwner.IsSelfOrDescendant(owner, newApp.Pid);

        // Assert
        Assert.Equal("beam.smp", File.ReadAllText($"/proc/{owner}/comm").Trim());
        Assert.True(ofThisTest);
        Assert.False(ofTheNewApp);
        Assert.Empty(PortOwner.ListenersOf(new IPEndPoint(IPAddress.Loopback, Ports.Free())));
    }

    [Fact]
    public void ListenersOf_AnyAddressListener_AcceptsLoopbackConnections()
    {
        // Arrange: a listener on 0.0.0.0 answers 127.0.0.1 too.
        using var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        // Act
        var owners = PortOwner.ListenersOf(new IPEndPoint(IPAddress.Loopback, port));

        // Assert
        Assert.Contains(Environment.ProcessId, owners);
    }

    [Theory]
    [InlineData("http://localhost:4000/health", "127.0.0.1:4000")]
    [InlineData("http://[::1]:4001/", "[::1]:4001")]
    [InlineData("http://10.0.0.5:4000/", null)]
    public void LocalEndpointOf_HttpTarget_IsTheLoopbackEndpointOrNull(string target, string? expected)
    {
        var endpoint = PortOwner.LocalEndpointOf(new HealthSettings { Http = target }, target);

        Assert.Equal(expected, endpoint?.ToString());
    }
}
