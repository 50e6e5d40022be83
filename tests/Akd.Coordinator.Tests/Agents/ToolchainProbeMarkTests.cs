using Akd.Contracts.V1;
using Akd.Coordinator.Agents;

namespace Akd.Coordinator.Tests.Agents;

/// <summary>Whether an agent's reported toolchain is a probe's result, for agents of every protocol.</summary>
public sealed class ToolchainProbeMarkTests
{
    private static readonly ProtocolVersion BeforeTheFlag = new() { Major = AgentProtocol.Major, Minor = AgentProtocol.ProbedToolchainSince - 1 };

    [Fact]
    public void MarkProbe_OlderAgentNamingATool_IsProbed()
    {
        var hello = new AgentHello { Protocol = BeforeTheFlag, Toolchain = new Toolchain { Elixir = "1.14.0", AppRunner = "detached" } };

        AgentHubService.MarkProbe(hello);

        Assert.True(hello.Toolchain.Probed);
    }

    [Fact]
    public void MarkProbe_OlderAgentsFirstHelloWithOnlyItsRunner_IsNotProbed()
    {
        var hello = new AgentHello { Protocol = BeforeTheFlag, Toolchain = new Toolchain { AppRunner = "detached" } };

        AgentHubService.MarkProbe(hello);

        Assert.False(hello.Toolchain.Probed);
    }

    [Fact]
    public void MarkProbe_CurrentAgent_ItsOwnFlagStands()
    {
        // A current agent whose probe found no tool at all says so itself; one naming tools from before its probe does not
        // exist, but the coordinator would not guess for it either.
        var none = new AgentHello { Protocol = AgentProtocol.Current, Toolchain = new Toolchain { AppRunner = "systemd", Probed = true } };
        var unprobed = new AgentHello { Protocol = AgentProtocol.Current, Toolchain = new Toolchain { Elixir = "1.14.0" } };

        AgentHubService.MarkProbe(none);
        AgentHubService.MarkProbe(unprobed);

        Assert.Equal((true, false), (none.Toolchain.Probed, unprobed.Toolchain.Probed));
    }

    [Theory]
    [InlineData(false, "1.14.0", "?")]
    [InlineData(true, "1.14.0", "1.14.0")]
    [InlineData(true, "", "-")]
    public void ToolchainCells_Tool_NotKnownYetIsNotNone(bool probed, string elixir, string shown) =>
        Assert.Equal(shown, ToolchainCells.Tool(new Toolchain { Elixir = elixir, Probed = probed }, t => t.Elixir));

    [Fact]
    public void ToolchainCells_Tool_NoToolchainAtAll_IsNotKnown() => Assert.Equal("?", ToolchainCells.Tool(null, t => t.Elixir));
}
