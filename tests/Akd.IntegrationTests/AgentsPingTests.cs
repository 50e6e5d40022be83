using System.Text.Json;
using Akd.Contracts.V1;
using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// <c>akdctl agents ping</c> against a real fleet (a build agent and a web agent), as an operator checks that the fleet
/// answers: how many answered, which did not and why, and an exit code a script can test.
/// </summary>
public sealed class AgentsPingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private LocalFleet _fleet = null!;

    public async Task InitializeAsync() => _fleet = await LocalFleet.StartAsync(webAgents: 1, CancellationToken.None);

    public async Task DisposeAsync()
    {
        output.WriteLine(_fleet.Logs());
        await _fleet.DisposeAsync();
    }

    [Fact(Timeout = 120_000)]
    public async Task AgentsPing_OneAgentNeverAnswersAndOneIsDown_ExitsOneNamingBoth()
    {
        // Arrange: besides the two real agents, an enrolled agent whose stream is open but which never answers a step,
        // and one that enrolled and never connected (a host that is down).
        var down = $"down-{_fleet.Suffix}";
        await _fleet.EnrollIdentityAsync(down, "role=down");
        var name = $"silent-{_fleet.Suffix}";
        var dir = await _fleet.EnrollIdentityAsync(name, "role=silent");
        using var channel = TestChannel.AsAgent(_fleet.CoordinatorUrl, _fleet.CaFile, dir);
        using var call = new AgentHub.AgentHubClient(channel.Invoker).Connect();
        await call.RequestStream.WriteAsync(new AgentMessage { Hello = new AgentHello { Name = name, AgentVersion = "silent", Protocol = AgentProtocol.Current } });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(CoordinatorMessage.BodyOneofCase.Welcome, call.ResponseStream.Current.BodyCase);

        // Act
        var ping = await _fleet.AkdctlAsync(_fleet.Root, TimeSpan.FromSeconds(60), "agents", "ping", "--timeout", "2s");
        output.WriteLine(ping.ToString());
        await call.RequestStream.CompleteAsync();

        // Assert: the real agents answered; the silent one and the one that is down are named with why, and the exit
        // code says not all answered.
        Assert.Equal(1, ping.ExitCode);
        var lines = ping.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Matches("^2 of 4 agents answered in [0-9]+ ms; 2 did not:$", lines[0]);
        Assert.Equal([$"{name}: no answer within 2000 ms", $"{down}: offline (not connected to the coordinator)"], lines[1..]);
    }

    [Fact(Timeout = 120_000)]
    public async Task AgentsPing_Selector_ExitsZeroOnlyWhenAgentsMatchedAndAllAnswered()
    {
        // Act
        var web = await _fleet.AkdctlAsync(_fleet.Root, TimeSpan.FromSeconds(60), "agents", "ping", "--selector", "role=web");
        var webJson = await _fleet.AkdctlAsync(_fleet.Root, TimeSpan.FromSeconds(60), "agents", "ping", "-l", "role=web", "--output", "json");
        var nobody = await _fleet.AkdctlAsync(_fleet.Root, TimeSpan.FromSeconds(60), "agents", "ping", "--selector", "role=nobody");
        var viewer = await ViewerPingAsync();

        // Assert: the web agent answered; a selector that matches no online agent is a failure that says so;
        // pinging the fleet is the admin's (it runs a step on every host).
        output.WriteLine($"{web}\n{webJson}\n{nobody}\n{viewer}");
        CliAssert.Succeeded(web);
        Assert.StartsWith("1 of 1 agents answered in ", web.StdOut.Trim());
        CliAssert.Succeeded(webJson);
        using (var reply = JsonDocument.Parse(webJson.StdOut))
        {
            Assert.Equal((1, 1), (reply.RootElement.GetProperty("agents").GetInt32(), reply.RootElement.GetProperty("answered").GetInt32()));
        }

        Assert.Equal((1, "no enrolled agent matches role=nobody"), (nobody.ExitCode, nobody.StdOut.Trim()));
        Assert.NotEqual(0, viewer.ExitCode);
        Assert.Contains("may not call akd.v1.Admin/PingAgents: it needs an admin token", viewer.StdErr);
    }

    private async Task<Akd.Testing.CliResult> ViewerPingAsync()
    {
        var created = await _fleet.AkdctlAsync(_fleet.Root, TimeSpan.FromSeconds(60), "tokens", "create", $"viewer-{_fleet.Suffix}", "--role", "viewer");
        CliAssert.Succeeded(created);
        var env = _fleet.CliEnv(new Dictionary<string, string> { ["AKD_TOKEN"] = created.StdOut.Trim() });
        return await CliRun.RunAsync(_fleet.Programs.Cli, _fleet.CoordinatorUrl, _fleet.Root, TimeSpan.FromSeconds(60), env, ["agents", "ping"]);
    }
}
