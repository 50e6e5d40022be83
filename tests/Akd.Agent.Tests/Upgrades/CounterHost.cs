using System.Globalization;
using Akd.Agent.Releases;
using Akd.Agent.Reporting;
using Akd.Agent.Upgrades;
using Akd.Core.Manifest;
using Akd.Core.Releases;
using Akd.Manifest;
using Akd.Testing;
using Xunit.Abstractions;

namespace Akd.Agent.Tests.Upgrades;

/// <summary>
/// One host of the counter app for a test: a temp root with the app's release layout, a free port and a node name of
/// its own, the manifest (<c>deploy.upgrade</c> as given, an HTTP health check on the port), activators the way the
/// agent makes them, and the VM killed and the root deleted on dispose.
/// </summary>
internal sealed class CounterHost : IDisposable
{
    private readonly ITestOutputHelper _output;

    public CounterHost(string name, string upgrade, ITestOutputHelper output)
    {
        _output = output;
        Root = Directory.CreateTempSubdirectory($"akd-{name}-").FullName;
        Node = $"counter_{name.Replace('-', '_')}_{Guid.NewGuid():N}"[..24];
        Manifest = ManifestLoader.Parse($$"""
            app: counter
            deploy:
              path: {{Root}}/app
              upgrade: {{upgrade}}
            health: { http: "http://127.0.0.1:${PORT}/health", timeout: 20s, interval: 100ms }
            """, "akd.yaml", null, null);
        Layout = new ReleaseLayout(Path.Combine(Root, "app"));
        Layout.EnsureCreated();
    }

    public string Root { get; }

    public string Node { get; }

    public int Port { get; } = Ports.Free();

    public Outbox Outbox { get; } = new();

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public AppManifest Manifest { get; }

    public ReleaseLayout Layout { get; }

    /// <summary>What the agent gives the release: its own node name and the port the health check asks.</summary>
    public Dictionary<string, string> Env => new() { ["RELEASE_NODE"] = Node, ["PORT"] = Port.ToString(CultureInfo.InvariantCulture) };

    /// <summary>An activator as a step makes one: a mix release runner, the host's HTTP client, the system clock.</summary>
    /// <param name="upgrade">What the build found about upgrading hot (null: restart).</param>
    /// <param name="journal">Where it records an activation in flight (null: nowhere).</param>
    public ReleaseActivator Activator(HotUpgradePolicy? upgrade = null, ActivationJournal? journal = null)
    {
        var reporter = TestMetrics.Reporter(Outbox, "s1");
        return new ReleaseActivator(Layout, Manifest, new MixReleaseRunner("counter", reporter, TimeSpan.FromSeconds(10)), Http, TimeProvider.System, reporter)
        {
            Upgrade = upgrade,
            Journal = journal,
        };
    }

    /// <summary>The counter's answer to <paramref name="path"/> ("/" names the version, "/count" the count).</summary>
    public async Task<string> GetAsync(string path) => await Http.GetStringAsync(new Uri($"http://127.0.0.1:{Port}{path}"));

    /// <summary>The step's log lines sent so far (also written to the test output).</summary>
    public List<string> Logs()
    {
        var lines = new List<string>();
        while (Outbox.Reader.TryRead(out var message))
        {
            if (message.Log is { } log)
            {
                _output.WriteLine(log.Line);
                lines.Add(log.Line);
            }
        }

        return lines;
    }

    public void Dispose()
    {
        if (RunState.Read(Layout.SharedDir) is { Pid: { } pid })
        {
            ProcessSignals.Send(pid, ProcessSignals.SigKill);
        }

        Http.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}
