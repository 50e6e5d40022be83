using System.Text.Json;
using Akd.Contracts.V1;
using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// Real agents: the no-op ping round (Admin.PingAgents, PingStep), the toolchain the agents report once
/// their background probe has run, and the pid an agent records for the release it started. One fleet
/// for the class: the deploy test only adds a running release, which the other tests ignore.
/// </summary>
public sealed class AgentFleetCommandsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private LocalFleet _fleet = null!;

    public async Task InitializeAsync() => _fleet = await LocalFleet.StartAsync(webAgents: 1, CancellationToken.None);

    public async Task DisposeAsync()
    {
        output.WriteLine(_fleet.Logs());
        await _fleet.DisposeAsync();
    }

    [Fact(Timeout = 60_000)]
    public async Task PingAgents_NoSelector_EveryOnlineAgentAnswers()
    {
        // Arrange
        using var channel = new TestChannel(_fleet.CoordinatorUrl, _fleet.CaFile, _fleet.AdminToken);
        var admin = new Admin.AdminClient(channel.Invoker);

        // Act
        var reply = await admin.PingAgentsAsync(new PingAgentsRequest { TimeoutMs = 10_000 });

        // Assert: the build agent and the web agent both answered.
        Assert.Equal(2, reply.Agents);
        Assert.Equal(2, reply.Answered);
        Assert.Empty(reply.Failures);
    }

    [Fact(Timeout = 60_000)]
    public async Task PingAgents_SelectorRoleWeb_OnlyTheWebAgentIsPinged()
    {
        // Arrange
        using var channel = new TestChannel(_fleet.CoordinatorUrl, _fleet.CaFile, _fleet.AdminToken);
        var admin = new Admin.AdminClient(channel.Invoker);

        // Act
        var reply = await admin.PingAgentsAsync(new PingAgentsRequest { Selector = "role=web", TimeoutMs = 10_000 });

        // Assert
        Assert.Equal(1, reply.Agents);
        Assert.Equal(1, reply.Answered);
    }

    [Fact(Timeout = 300_000)]
    public async Task Deploy_Hello_RecordsThePidOfTheReleasesOwnVm()
    {
        // Arrange
        var app = HelloApp.CopyTo(_fleet.Root);
        var web = _fleet.Web[0];

        // Act
        var deploy = await _fleet.AkdctlAsync(app.Dir, TimeSpan.FromMinutes(4), "deploy", "-f", app.Manifest);
        output.WriteLine(deploy.ToString());

        // Assert: the recorded pid is the beam.smp running this host's node from the current release.
        CliAssert.Succeeded(deploy);
        var deployPath = web.DeployPath("hello");
        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(deployPath, "shared", ".akd-run.json")));
        var pid = state.RootElement.GetProperty("Pid").GetInt32();
        var args = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
        var release = new DirectoryInfo(Path.Combine(deployPath, "current")).ResolveLinkTarget(returnFinalTarget: true)!.FullName;
        Assert.EndsWith("/beam.smp", args[0]);
        Assert.Equal($"hello_{web.Name}", args[Array.IndexOf(args, "-sname") + 1]);
        Assert.Equal(release, args[Array.IndexOf(args, "-root") + 1]);
    }

    [Fact(Timeout = 90_000)]
    public async Task Agents_AfterTheBackgroundToolchainProbe_ShowTheHostsElixirAndOtp()
    {
        // Arrange: the agents connected before probing; their probe result follows on the stream.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonElement web;

        // Act: poll `akdctl agents` until the web agent's toolchain arrived.
        while (true)
        {
            var result = await _fleet.AkdctlAsync(_fleet.Root, TimeSpan.FromSeconds(30), "agents", "--output", "json");
            web = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonDocument.Parse(line).RootElement)
                .Single(agent => agent.GetProperty("name").GetString() == _fleet.Web[0].Name);
            if (web.GetProperty("toolchain").GetProperty("elixir").GetString() is { Length: > 0 } || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(500);
        }

        // Assert: this machine has Debian's Elixir 1.14 on OTP 25.
        var toolchain = web.GetProperty("toolchain");
        Assert.StartsWith("1.", toolchain.GetProperty("elixir").GetString());
        Assert.True(toolchain.GetProperty("probed").GetBoolean());
        Assert.Matches("^[0-9]+$", toolchain.GetProperty("otp").GetString()!);

        // Assert: how the host runs apps (akdctl agents' RUNNER): in units only where systemd is PID 1 and the agent is root.
        var expected = Directory.Exists("/run/systemd/system") && Environment.UserName == "root" ? "systemd" : "detached";
        Assert.Equal(expected, toolchain.GetProperty("appRunner").GetString());
    }
}
