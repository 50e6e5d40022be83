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
        var none = await CliRun.AkdctlAsync(_fleet.CoordinatorUrl, _fleet.Root, TimeSpan.FromSeconds(30), "agents");
        var wrong = await CliRun.AkdctlAsync(_fleet.CoordinatorUrl, _fleet.Root, TimeSpan.FromSeconds(30),
            new Dictionary<string, string> { ["AKD_TOKEN"] = "not-the-token" }, "agents");
        var right = await _fleet.AkdctlAsync(_fleet.Root, TimeSpan.FromSeconds(30), "agents");

        // Assert
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("requires a token", none.StdErr);
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("not accepted", wrong.StdErr);
        Assert.Equal(0, right.ExitCode);
        Assert.Contains("web-1", right.StdOut);
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
