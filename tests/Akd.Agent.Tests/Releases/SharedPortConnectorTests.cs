using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akd.Agent.Releases;
using Akd.Testing;

namespace Akd.Agent.Tests.Releases;

/// <summary>
/// Two real Erlang VMs listening on one port with SO_REUSEPORT, each answering every connection it accepts with its own
/// OS pid: the answer, not /proc, tells which VM a connection reached.
/// </summary>
public sealed class SharedPortConnectorTests
{
    [Fact(Timeout = 60_000)]
    public async Task ConnectAsync_TwoVmsShareThePort_EveryConnectionReachesTheVmAskedFor()
    {
        // Arrange
        var port = Ports.Free();
        using var first = SharingVm(port);
        using var second = SharingVm(port);
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        IReadOnlySet<int> vms;
        while ((vms = PortOwner.ListenersOf(endpoint)).Count < 2)
        {
            await Task.Delay(20);
        }

        var target = new DnsEndPoint("127.0.0.1", port);
        using var stranger = ChildProcess.Shell("sleep 300");

        // Act: eight connections for each VM; then for a process that does not listen at all.
        var answers = new List<(int Asked, int Answered)>();
        foreach (var vm in vms)
        {
            for (var i = 0; i < 8; i++)
            {
                using var socket = await SharedPortConnector.ConnectAsync(target, vm, TimeProvider.System, CancellationToken.None);
                answers.Add((vm, await ReadPidAsync(socket)));
            }
        }

        var refused = await Assert.ThrowsAsync<IOException>(() => SharedPortConnector.ConnectAsync(target, stranger.Pid, TimeProvider.System, CancellationToken.None).AsTask());

        // Assert
        Assert.Equal(16, answers.Count);
        Assert.All(answers, a => Assert.Equal(a.Asked, a.Answered));
        Assert.Contains($"none by the new VM (pid {stranger.Pid})", refused.Message);
        Assert.Contains("were taken by pid ", refused.Message);
    }

    /// <summary>A VM that binds <paramref name="port"/> with SO_REUSEPORT and sends its OS pid on each connection it accepts.</summary>
    private static ChildProcess SharingVm(int port) => ChildProcess.Start("erl", "-noshell", "-eval", $$$"""
        {ok, L} = gen_tcp:listen({{{port}}}, [{ip, {127,0,0,1}}, {raw, 1, 15, <<1:32/native>>}, {active, false}]),
        Loop = fun Loop(Held) -> {ok, S} = gen_tcp:accept(L), ok = gen_tcp:send(S, os:getpid() ++ "\n"), Loop([S | Held]) end,
        Loop([]).
        """);

    /// <summary>Reads the VM's line: its pid.</summary>
    private static async Task<int> ReadPidAsync(Socket socket)
    {
        var text = new StringBuilder();
        var buffer = new byte[32];
        while (!text.ToString().EndsWith('\n'))
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None);
            Assert.True(n > 0, $"the VM closed the connection after '{text}'");
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        return int.Parse(text.ToString().Trim(), CultureInfo.InvariantCulture);
    }
}
