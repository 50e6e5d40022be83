using Akd.Agent.Releases;
using Akd.Agent.Reporting;
using Akd.Agent.Sandbox;
using Akd.Agent.Upgrades;
using Akd.Core.Manifest;
using Akd.Core.Releases;
using Akd.Manifest;
using Xunit.Abstractions;

namespace Akd.Agent.Tests.Releases;

/// <summary>
/// One app's host folder for activator tests: a temp root with the app's release layout at <c>Root/app</c>, the step's
/// outbox, activators made the way a step makes them, and on dispose the app's process group killed and the root deleted.
/// </summary>
internal sealed class ScratchApp : IDisposable
{
    public ScratchApp(string prefix)
    {
        Root = Directory.CreateTempSubdirectory(prefix).FullName;
        Layout = new ReleaseLayout(Path.Combine(Root, "app"));
        Layout.EnsureCreated();
    }

    public string Root { get; }

    public ReleaseLayout Layout { get; }

    public Outbox Outbox { get; } = new();

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>How long a stop waits after SIGTERM before it escalates.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Where <see cref="Logs"/> also writes the step's lines; null: nowhere.</summary>
    public ITestOutputHelper? Output { get; init; }

    /// <summary>The agent's options for this host: its data dir is the root; a stop escalates after <see cref="StopGrace"/>.</summary>
    public AgentOptions Options => new() { DataDir = Root, StopGracePeriod = StopGrace };

    /// <summary>An <c>akd.yaml</c> as the coordinator would have resolved it.</summary>
    public static AppManifest Manifest(string yaml) => ManifestLoader.Parse(yaml, "akd.yaml", null, null);

    /// <summary>An activator for one step, with the HTTP client and the system clock.</summary>
    /// <param name="runner">The app runner; null: the one the manifest picks, as the agent's own.</param>
    /// <param name="upgrade">What the build found about upgrading hot (null: restart).</param>
    /// <param name="journal">Where it records an activation in flight (null: nowhere).</param>
    public ReleaseActivator Activator(
        AppManifest manifest, Func<StepReporter, IAppRunner>? runner = null, HotUpgradePolicy? upgrade = null, ActivationJournal? journal = null)
    {
        var reporter = TestMetrics.Reporter(Outbox, "s1");
        var appRunner = runner is null ? AppRunners.For(manifest, reporter, Options, AppSandbox.AsAgent(Layout.SharedDir), TimeProvider.System) : runner(reporter);
        return new ReleaseActivator(Layout, manifest, appRunner, Http, TimeProvider.System, reporter, Options) { Upgrade = upgrade, Journal = journal };
    }

    /// <summary>An activator of a <c>mix release</c> of <paramref name="manifest"/>'s app run detached, as on a host without systemd.</summary>
    public ReleaseActivator MixReleaseActivator(AppManifest manifest, HotUpgradePolicy? upgrade = null, ActivationJournal? journal = null) =>
        Activator(manifest, reporter => new MixReleaseRunner(manifest.App, reporter, Options, TimeProvider.System), upgrade, journal);

    /// <summary>The step's log lines sent since the last call.</summary>
    public List<string> Logs()
    {
        var lines = new List<string>();
        while (Outbox.Reader.TryRead(out var message))
        {
            if (message.Log is { } log)
            {
                Output?.WriteLine(log.Line);
                lines.Add(log.Line);
            }
        }

        return lines;
    }

    public void Dispose()
    {
        // A test may stand the app's VM in with its own process (a live pid nobody must stop): that one is left alone.
        if (RunState.Read(Layout.SharedDir) is { Pid: { } pid } && pid != Environment.ProcessId)
        {
            ProcessGroups.Send(pid, ProcessSignals.SigKill);
        }

        Http.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}
