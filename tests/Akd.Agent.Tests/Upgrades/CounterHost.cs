using System.Globalization;
using Akd.Agent.Releases;
using Akd.Agent.Reporting;
using Akd.Agent.Tests.Releases;
using Akd.Agent.Upgrades;
using Akd.Core.Manifest;
using Akd.Core.Releases;
using Akd.Testing;
using Xunit.Abstractions;

namespace Akd.Agent.Tests.Upgrades;

/// <summary>
/// One host of the counter app for a test: a <see cref="ScratchApp"/> with a free port and a node name of its own, the
/// manifest (<c>deploy.upgrade</c> as given, an HTTP health check on the port) and mix release activators.
/// </summary>
internal sealed class CounterHost : IDisposable
{
    private readonly ScratchApp _app;

    public CounterHost(string name, string upgrade, ITestOutputHelper output)
    {
        _app = new ScratchApp($"akd-{name}-") { StopGrace = TimeSpan.FromSeconds(10), Output = output };
        Node = $"counter_{name.Replace('-', '_')}_{Guid.NewGuid():N}"[..24];
        Manifest = ScratchApp.Manifest($$"""
            app: counter
            deploy:
              path: {{Root}}/app
              upgrade: {{upgrade}}
            health: { http: "http://127.0.0.1:${PORT}/health", timeout: 20s, interval: 100ms }
            """);
    }

    public string Root => _app.Root;

    public string Node { get; }

    public int Port { get; } = Ports.Free();

    public Outbox Outbox => _app.Outbox;

    public HttpClient Http => _app.Http;

    public AppManifest Manifest { get; }

    public ReleaseLayout Layout => _app.Layout;

    /// <summary>What the agent gives the release: its own node name and the port the health check asks.</summary>
    public Dictionary<string, string> Env => new() { ["RELEASE_NODE"] = Node, ["PORT"] = Port.ToString(CultureInfo.InvariantCulture) };

    /// <summary>An activator as a step makes one: a mix release runner, the host's HTTP client, the system clock.</summary>
    /// <param name="upgrade">What the build found about upgrading hot (null: restart).</param>
    /// <param name="journal">Where it records an activation in flight (null: nowhere).</param>
    public ReleaseActivator Activator(HotUpgradePolicy? upgrade = null, ActivationJournal? journal = null) =>
        _app.MixReleaseActivator(Manifest, upgrade, journal);

    /// <summary>The counter's answer to <paramref name="path"/> ("/" names the version, "/count" the count).</summary>
    public async Task<string> GetAsync(string path) => await Http.GetStringAsync(new Uri($"http://127.0.0.1:{Port}{path}"));

    /// <summary>The step's log lines sent so far (also written to the test output).</summary>
    public List<string> Logs() => _app.Logs();

    public void Dispose() => _app.Dispose();
}
