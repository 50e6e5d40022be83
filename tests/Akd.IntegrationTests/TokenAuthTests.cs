using System.Text.Json;
using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>A coordinator with tokens: its own agents and akdctl get in, nobody else does.</summary>
public sealed class TokenAuthTests(ITestOutputHelper output) : IAsyncLifetime
{
    private LocalFleet _fleet = null!;

    public async Task InitializeAsync() => _fleet = await LocalFleet.StartAsync(webAgents: 1, CancellationToken.None, withTokens: true);

    public async Task DisposeAsync()
    {
        output.WriteLine(_fleet.Logs());
        await _fleet.DisposeAsync();
    }

    [Fact(Timeout = 120_000)]
    public async Task Akdctl_WithoutOrWithWrongToken_IsRefusedWithAClearLine()
    {
        // Act
        var none = await CliRun.AkdctlAsync(_fleet.CoordinatorUrl, _fleet.Root, TimeSpan.FromSeconds(30), _fleet.CliEnv(), "agents");
        var wrong = await CliRun.AkdctlAsync(_fleet.CoordinatorUrl, _fleet.Root, TimeSpan.FromSeconds(30),
            _fleet.CliEnv(new Dictionary<string, string> { ["AKD_TOKEN"] = "not-the-token" }), "agents");
        var right = await _fleet.AkdctlAsync(_fleet.Root, TimeSpan.FromSeconds(30), "agents");

        // Assert
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("requires a token", none.StdErr);
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("not accepted", wrong.StdErr);
        Assert.Equal(0, right.ExitCode);
        Assert.Contains("web-1", right.StdOut);
    }

    [Fact(Timeout = 600_000)]
    public async Task Deploy_AgentHasItsTokenInItsEnv_TheAppItStartsDoesNot()
    {
        // Arrange: the fleet's agents get their token as AKD_Agent__Token (as an env file would give it).
        var app = HelloApp.CopyTo(_fleet.Root);

        // Act
        var deploy = await _fleet.AkdctlAsync(app.Dir, TimeSpan.FromMinutes(5), "deploy", "-f", app.Manifest);
        output.WriteLine(deploy.ToString());

        // Assert: the running VM's environment has its PORT but none of the agent's settings.
        Assert.Equal(0, deploy.ExitCode);
        var web = _fleet.Web[0];
        var pid = web.RunState()?.Pid ?? throw new InvalidOperationException("no pid recorded for the deployed app");
        var environ = File.ReadAllText($"/proc/{pid}/environ").Split('\0');
        Assert.Contains($"PORT={web.Port}", environ);
        Assert.DoesNotContain(environ, v => v.Contains(_fleet.AgentToken!, StringComparison.Ordinal));
        Assert.DoesNotContain(environ, v => v.StartsWith("AKD_Agent__", StringComparison.OrdinalIgnoreCase));
    }

    [Fact(Timeout = 120_000)]
    public async Task Agent_WithWrongToken_NeverShowsUpOnline()
    {
        // Arrange + Act: an impostor with the control token instead of the agent token.
        var impostor = _fleet.StartAgentWithToken($"impostor-{_fleet.Suffix}", "role=web", _fleet.ControlToken);
        await Task.Delay(TimeSpan.FromSeconds(4));
        var agents = await _fleet.AkdctlAsync(_fleet.Root, TimeSpan.FromSeconds(30), "agents", "--output", "json");

        // Assert
        var names = agents.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("name").GetString()).ToList();
        Assert.DoesNotContain($"impostor-{_fleet.Suffix}", names);
        Assert.Contains("PermissionDenied", impostor.Output);
    }
}
