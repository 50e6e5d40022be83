using System.Text.Json;
using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// local-build and environments: akdctl builds examples/hello on this machine and the coordinator delivers
/// it, with no build agent online, to the staging host only. That host's agent (and so the release it
/// starts) has a PATH without erl, elixir or mix: the release runs on its own ERTS.
/// </summary>
public sealed class LocalBuildDeployTests(ITestOutputHelper output) : IAsyncLifetime
{
    private LocalFleet _fleet = null!;
    private HelloApp _app = null!;
    private string _noErlangPath = "";
    private LocalFleet.WebHost _staging = null!;
    private LocalFleet.WebHost _production = null!;

    public async Task InitializeAsync()
    {
        _fleet = await LocalFleet.StartAsync(webAgents: 0, CancellationToken.None);
        _noErlangPath = NoErlangPath.Create(_fleet.Root);
        _staging = await _fleet.AddWebAgentAsync("staging", "role=web,env=staging", new Dictionary<string, string> { ["PATH"] = _noErlangPath }, CancellationToken.None);
        _production = await _fleet.AddWebAgentAsync("production", "role=web,env=production", new Dictionary<string, string>(), CancellationToken.None);
        _app = HelloApp.CopyTo(_fleet.Root);
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_fleet.Logs());
        await _fleet.DisposeAsync();
    }

    [Fact(Timeout = 600_000)]
    public async Task Deploy_LocalBuildToStagingWithoutBuildAgent_OnlyTheStagingHostWithoutErlangServesIt()
    {
        // Arrange: strategy local-build with both environments and an after-build hook; no build agent;
        // the staging agent finds no Erlang.
        var yaml = File.ReadAllText(_app.Manifest)
            .Replace("strategy: remote-build", "strategy: local-build")
            .Replace("# environments:", "environments:")
            .Replace("#   staging:", "  staging:")
            .Replace("#   production:", "  production:")
            .Replace("hooks:\n", "hooks:\n  - { name: stamp, at: after-build, run: [\"touch\", \"built-here.stamp\"] }\n");
        Assert.Contains("name: stamp", yaml);
        var manifest = _app.WriteManifest("akd.local.yaml", yaml);
        _fleet.Agents[_fleet.BuildAgentName].Kill();
        foreach (var tool in new[] { "erl", "elixir", "mix" })
        {
            var (exit, found) = await Tool.RunAsync("which", [tool], _fleet.Root, new Dictionary<string, string> { ["PATH"] = _noErlangPath });
            Assert.True(exit != 0, $"{tool} is still on the staging agent's PATH: {found}");
        }

        // Agents probe their toolchain in the background after connecting; compare once both have.
        await ProbedAsync(_staging.Name);
        await ProbedAsync(_production.Name);
        Assert.Equal("", await ReportedElixirAsync(_staging.Name));
        Assert.NotEqual("", await ReportedElixirAsync(_production.Name));

        // Act
        var result = await _fleet.AkdctlAsync(_app.Dir, TimeSpan.FromMinutes(5), "deploy", "-f", manifest, "--env", "staging");
        output.WriteLine(result.ToString());

        // Assert: built here (output streamed), recorded as local-build, live on staging only.
        CliAssert.Succeeded(result);
        Assert.Contains("building hello here with mix release", result.StdOut);
        Assert.Contains("MIX_ENV=prod mix release hello", result.StdOut);
        Assert.True(File.Exists(Path.Combine(_app.Dir, "built-here.stamp")), "the after-build hook runs where the build ran");
        Assert.DoesNotContain(_production.Name, result.StdOut);
        Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(_staging.Port));
        Assert.False(Directory.Exists(_production.DeployPath("hello")), "production must not receive a staging deploy");

        var pid = Tool.RecordedPid(_staging.DeployPath("hello"));
        Assert.NotNull(pid);
        Assert.StartsWith(Path.Combine(_staging.DeployPath("hello"), "releases"), Tool.ExecutableOf(pid.Value));

        var history = await _fleet.AkdctlAsync(_app.Dir, TimeSpan.FromSeconds(30), "deployments", "--output", "json");
        using var latest = JsonDocument.Parse(history.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0]);
        Assert.Equal("local-build", latest.RootElement.GetProperty("strategy").GetString());
        Assert.Equal("staging", latest.RootElement.GetProperty("environment").GetString());

        // Act: a second local build, then a rollback of staging.
        _app.SetVersion("0.2.0");
        var second = await _fleet.AkdctlAsync(_app.Dir, TimeSpan.FromMinutes(5), "deploy", "-f", manifest, "--env", "staging");
        output.WriteLine(second.ToString());
        CliAssert.Succeeded(second);
        Assert.Equal("hello 0.2.0", await Http.GetBodyAsync(_staging.Port));
        var rollback = await _fleet.AkdctlAsync(_app.Dir, TimeSpan.FromMinutes(3), "rollback", "hello", "--env", "staging");
        output.WriteLine(rollback.ToString());

        // Assert: staging serves 0.1.0 again from its own ERTS, and revisions.log ends with the rollback.
        CliAssert.Succeeded(rollback);
        Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(_staging.Port));
        var last = File.ReadAllLines(Path.Combine(_staging.DeployPath("hello"), "revisions.log")).Last().Split('\t');
        Assert.StartsWith("0.1.0-", last[1]);
        Assert.Equal("rolled-back", last[3]);
    }

    /// <summary>Waits until the agent logged its toolchain probe (and so sent it to the coordinator).</summary>
    private async Task ProbedAsync(string agent)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!_fleet.Agents[agent].Output.Contains("Toolchain:", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{agent} never finished probing its toolchain:\n{_fleet.Agents[agent].Output}");
            await Task.Delay(200);
        }

        // The probe's result travels on the agent's stream right after the log line.
        await Task.Delay(1000);
    }

    /// <summary>The Elixir version the agent found on its own PATH, as it reported it to the coordinator.</summary>
    private async Task<string?> ReportedElixirAsync(string agent)
    {
        var agents = await _fleet.AkdctlAsync(_fleet.Root, TimeSpan.FromSeconds(30), "agents", "--output", "json");
        return agents.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Single(a => a.GetProperty("name").GetString() == agent)
            .GetProperty("toolchain").GetProperty("elixir").GetString();
    }
}
