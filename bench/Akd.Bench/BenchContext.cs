using Akd.Bench.Infra;
using Akd.Testing;

namespace Akd.Bench;

/// <summary>What the scenarios share: options, the report, and the fleet (started once, on first use).</summary>
public sealed class BenchContext(BenchOptions options, BenchReport report, Action<string> log) : IAsyncDisposable
{
    private LocalFleet? _fleet;

    public BenchOptions Options => options;

    public BenchReport Report => report;

    /// <summary>The coordinator, agent (NativeAOT when published) and akdctl that are measured.</summary>
    public AkdPrograms Programs { get; } = new(options.RepoRoot, options.Configuration, options.AgentBinary);

    /// <summary>examples/hello, the app every fleet scenario deploys.</summary>
    public string HelloExample => Path.Combine(options.RepoRoot, "examples", "hello");

    /// <summary>bench/shell: the SSH way and the floor, as plain shell scripts.</summary>
    public string ShellDir => Path.Combine(options.RepoRoot, "bench", "shell");

    public void Log(string message) => log($"[{DateTime.Now:HH:mm:ss}] {message}");

    public string Work(string name) => Path.Combine(options.WorkDir, name);

    /// <summary>Coordinator, build agent and <see cref="BenchOptions.Hosts"/> web agents.</summary>
    public async Task<LocalFleet> FleetAsync(CancellationToken ct)
    {
        if (_fleet is null)
        {
            Log($"starting a coordinator, a build agent and {options.Hosts} web agents ({(Programs.AgentIsNative ? "NativeAOT" : "framework-dependent")} agent)");
            _fleet = await LocalFleet.StartAsync(new FleetOptions
            {
                Root = Work("cluster"),
                DeleteRoot = false,
                WebAgents = options.Hosts,
                BuildAgent = "bench-build",
                BuildLabels = "role=bench-build",
                WebAgentName = i => $"bench-web-{i}",
                WebLabels = i => $"role=bench-web,host={i}",
                Programs = Programs,
            }, ct).ConfigureAwait(false);
        }

        return _fleet;
    }

    public async ValueTask DisposeAsync()
    {
        if (_fleet is not null)
        {
            await _fleet.DisposeAsync().ConfigureAwait(false);
        }
    }
}
