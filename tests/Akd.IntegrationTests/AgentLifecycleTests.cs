using System.Text.Json;
using Akd.Contracts.V1;
using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// Revoke, remove and certificate renewal on real processes: a revoked agent is cut off and stays out,
/// a ghost leaves the fleet, and short-lived certificates renew under a running deploy.
/// </summary>
public sealed class AgentLifecycleTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Cli = TimeSpan.FromSeconds(30);

    /// <summary>Short enough that every agent renews during the test's deploy (after two thirds of it).</summary>
    private static readonly Dictionary<string, string> ShortCertificates = new() { ["Trust__AgentCertificateLifetime"] = "00:00:36" };

    private LocalFleet _fleet = null!;

    public async Task InitializeAsync() => _fleet = await LocalFleet.StartAsync(webAgents: 1, CancellationToken.None, coordinatorEnv: ShortCertificates);

    public async Task DisposeAsync()
    {
        output.WriteLine(_fleet.Logs());
        await _fleet.DisposeAsync();
    }

    [Fact(Timeout = 180_000)]
    public async Task Revoke_LiveAgent_StreamClosedAndEveryReconnectRefused()
    {
        // Arrange
        var web = _fleet.Web[0];
        var agent = _fleet.Agents[web.Name];

        // Act
        var revoke = await _fleet.AkdctlAsync(_fleet.Root, Cli, "agents", "revoke", web.Name);
        await _fleet.WaitForAgentStateAsync(web.Name, AgentState.Offline, CancellationToken.None);
        while (!agent.Output.Contains($"agent {web.Name} was revoked at", StringComparison.Ordinal))
        {
            await Task.Delay(200);
        }

        // Assert: the stream ended and the agent's own reconnects are refused, naming the revocation.
        CliAssert.Succeeded(revoke);
        Assert.Contains($"{web.Name} revoked at", revoke.StdOut);
        using var channel = TestChannel.AsAgent(_fleet.CoordinatorUrl, _fleet.CaFile, web.DataDir);
        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
            await new Artifacts.ArtifactsClient(channel.Invoker).StatAsync(new ArtifactRef { Sha256 = new string('a', 64) }));
        Assert.Equal(Grpc.Core.StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains($"agent {web.Name} was revoked at", error.Status.Detail);
    }

    [Fact(Timeout = 180_000)]
    public async Task Remove_GhostThatConnectedOnce_GoneFromTheFleetAndAnOnlineAgentIsNotRemoved()
    {
        // Arrange: an agent that connected once and is gone for good (a ghost).
        var ghost = $"ghost-{_fleet.Suffix}";
        var dir = await _fleet.EnrollIdentityAsync(ghost, "role=web");
        using (var channel = TestChannel.AsAgent(_fleet.CoordinatorUrl, _fleet.CaFile, dir))
        {
            using var call = new AgentHub.AgentHubClient(channel.Invoker).Connect();
            await call.RequestStream.WriteAsync(new AgentMessage { Hello = new AgentHello { Name = ghost, Protocol = AgentProtocol.Current } });
            await call.ResponseStream.MoveNext(CancellationToken.None);
            await call.RequestStream.CompleteAsync();
        }

        await _fleet.WaitForAgentStateAsync(ghost, AgentState.Offline, CancellationToken.None);

        // Act
        var online = await _fleet.AkdctlAsync(_fleet.Root, Cli, "agents", "remove", _fleet.Web[0].Name);
        var removed = await _fleet.AkdctlAsync(_fleet.Root, Cli, "agents", "remove", ghost);
        var agents = await _fleet.AkdctlAsync(_fleet.Root, Cli, "agents", "--output", "json");

        // Assert
        Assert.NotEqual(0, online.ExitCode);
        Assert.Contains("is online; revoke it first", online.StdErr);
        CliAssert.Succeeded(removed);
        Assert.DoesNotContain(agents.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            l => JsonDocument.Parse(l).RootElement.GetProperty("name").GetString() == ghost);
        Assert.Contains(_fleet.Web[0].Name, agents.StdOut);
    }

    [Fact(Timeout = 600_000)]
    public async Task Renewal_DuringADeploy_DeploySucceedsAndAgentsReconnectWithTheRenewedCertificate()
    {
        // Arrange: certificates live 36 s, so every agent renews during the build and delivery.
        var app = HelloApp.CopyTo(_fleet.Root);
        var web = _fleet.Web[0];
        var before = File.ReadAllText(Path.Combine(web.DataDir, "identity", "agent.crt"));

        // Act
        var deploy = await _fleet.AkdctlAsync(app.Dir, TimeSpan.FromMinutes(5), "deploy", "-f", app.Manifest);
        output.WriteLine(deploy.ToString());
        // Both agents renew (each on its own certificate's clock, so not at the same moment); the test's timeout bounds the wait.
        while (!_fleet.Agents[web.Name].Output.Contains("Certificate renewed", StringComparison.Ordinal)
            || !_fleet.Agents[_fleet.BuildAgentName].Output.Contains("Certificate renewed", StringComparison.Ordinal))
        {
            await Task.Delay(500);
        }

        await _fleet.RestartAgentAsync(web.Name, CancellationToken.None);
        var status = await CliJson.StatusAsync(_fleet, CliJson.DeploymentId(deploy));

        // Assert: nothing lost, a new certificate on disk, and the restarted agent got in with it.
        CliAssert.Succeeded(deploy);
        Assert.StartsWith($"agent {_fleet.BuildAgentName}, build step ", status.Str("builtBy"));
        Assert.NotEqual(before, File.ReadAllText(Path.Combine(web.DataDir, "identity", "agent.crt")));
        Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(web.Port));
    }
}
