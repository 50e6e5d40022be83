using System.Text.RegularExpressions;
using Akd.IntegrationTests.Fleet;

namespace Akd.Dashboard.Tests;

/// <summary>
/// A real fleet (coordinator with <c>--dashboard-urls</c>, a build agent, a web agent), a viewer and a
/// deployer token made with akdctl, and one finished deploy of examples/hello to look at and deploy again.
/// </summary>
public sealed class DashboardFleet : IAsyncLifetime
{
    internal LocalFleet Fleet { get; private set; } = null!;

    public int DashboardPort { get; } = Ports.Free();

    public string DashboardUrl => $"https://127.0.0.1:{DashboardPort}";

    public string ViewerToken { get; private set; } = "";

    public string DeployerToken { get; private set; } = "";

    /// <summary>The deploy that ended before any test ran.</summary>
    public string FinishedDeployment { get; private set; } = "";

    public string ServerCertificatePem => File.ReadAllText(Path.Combine(Fleet.Root, "coordinator", "pki", "server.crt"));

    public string BuildAgentName => Fleet.BuildAgentName;

    public string WebAgentName => Fleet.Web[0].Name;

    public string Logs() => Fleet.Logs();

    public async Task InitializeAsync()
    {
        Fleet = await LocalFleet.StartAsync(webAgents: 1, CancellationToken.None,
            coordinatorEnv: new Dictionary<string, string> { ["Dashboard__Urls"] = DashboardUrl });
        ViewerToken = await TokenAsync("dash-viewer", "viewer");
        DeployerToken = await TokenAsync("dash-deployer", "deployer");

        var app = HelloApp.CopyTo(Fleet.Root);
        var started = await AkdctlAsync(app.Dir, "deploy", "-f", app.Manifest, "--detach");
        FinishedDeployment = Regex.Match(started.StdOut, @"deployment (\S+) started").Groups[1].Value;
        var followed = await AkdctlAsync(app.Dir, "logs", FinishedDeployment, "-f");
        if (started.ExitCode != 0 || followed.ExitCode != 0 || FinishedDeployment.Length == 0)
        {
            throw new InvalidOperationException($"the first deploy failed:\n{started}\n{followed}\n{Fleet.Logs()}");
        }
    }

    public async Task DisposeAsync() => await Fleet.DisposeAsync();

    /// <summary>How many deployments the coordinator has recorded, as akdctl sees them.</summary>
    public async Task<int> DeploymentCountAsync()
    {
        var list = await AkdctlAsync(Fleet.Root, "deployments", "--output", "json");
        return list.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
    }

    private async Task<string> TokenAsync(string name, string role)
    {
        var created = await AkdctlAsync(Fleet.Root, "tokens", "create", name, "--role", role);
        return created.ExitCode == 0 ? created.StdOut.Trim() : throw new InvalidOperationException($"tokens create failed:\n{created}");
    }

    private Task<CliResult> AkdctlAsync(string cwd, params string[] args) => Fleet.AkdctlAsync(cwd, TimeSpan.FromMinutes(6), args);
}
