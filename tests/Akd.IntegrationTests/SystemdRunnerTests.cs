using Akd.Contracts.V1;
using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// The systemd app runner on a real systemd: a release deployed to an agent with <c>--app-runner systemd</c> runs
/// as a transient unit of its own, as its own user, and keeps running while the agent restarts. Runs only where
/// systemd is PID 1 and the tests run as root; reported skipped, with the reason, everywhere else (CI containers).
/// </summary>
public sealed class SystemdRunnerTests(ITestOutputHelper output) : IAsyncLifetime
{
    private LocalFleet? _fleet;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_fleet is not null)
        {
            output.WriteLine(_fleet.Logs());
            await _fleet.DisposeAsync();
        }
    }

    [SkippableFact(Timeout = 900_000)]
    public async Task Deploy_SystemdIsPid1_AppRunsInItsOwnUnitAndSurvivesAnAgentRestart()
    {
        // Arrange
        var pid1 = File.ReadAllText("/proc/1/comm").Trim();
        Skip.IfNot(Directory.Exists("/run/systemd/system"), $"systemd is not PID 1 here (PID 1 is {pid1}): there is no systemd to run app units");
        Skip.IfNot(Environment.UserName == "root", "starting system units needs root (or a polkit rule) and per-app users need root here");
        _fleet = await LocalFleet.StartAsync(new FleetOptions(), CancellationToken.None);
        var app = HelloApp.CopyTo(_fleet.Root);
        var name = $"web-unit-{_fleet.Suffix}";
        var env = new Dictionary<string, string> { ["AKD_Agent__AppUsers"] = "true", ["AKD_Agent__AppRunner"] = "systemd" };
        var port = Ports.Free();
        await _fleet.StartAgentAsync(name, "role=web", env, CancellationToken.None, $"PORT={port}");
        await _fleet.WaitForAgentStateAsync(name, AgentState.Online, CancellationToken.None);
        var manifest = FleetManifest.Write(app, "akd-unit.yaml", "{ batch: 1 }");

        try
        {
            // Act
            var deploy = await _fleet.AkdctlAsync(app.Dir, TimeSpan.FromMinutes(5), "deploy", "-f", manifest);
            output.WriteLine(deploy.ToString());
            CliAssert.Succeeded(deploy);
            var unit = await UnitAsync();
            var before = await MainPidAsync(unit);
            await _fleet.RestartAgentAsync(name, CancellationToken.None);

            // Assert: the unit is the app, runs as the app's own user, and the agent's restart left it alone.
            Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(port));
            Assert.Equal(before, await MainPidAsync(unit));
            var (_, user) = await Tool.RunAsync("systemctl", ["show", "--property=User", "--value", unit], "/");
            Assert.NotEqual("0", user.Trim());
            Assert.NotEqual("", user.Trim());
        }
        finally
        {
            foreach (var unit in await UnitsAsync())
            {
                await Tool.RunAsync("systemctl", ["stop", unit], "/");
            }
        }
    }

    private async Task<string> UnitAsync() => Assert.Single(await UnitsAsync());

    private static async Task<List<string>> UnitsAsync()
    {
        var (_, text) = await Tool.RunAsync("systemctl", ["list-units", "--plain", "--no-legend", "--all", "akd-app-hello-*"], "/");
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToList();
    }

    private static async Task<int> MainPidAsync(string unit)
    {
        var (exit, text) = await Tool.RunAsync("systemctl", ["show", "--property=MainPID", "--value", unit], "/");
        Assert.Equal(0, exit);
        return int.Parse(text.Trim());
    }
}
