using Akd.Bench.Fleet;
using Akd.Bench.Infra;

namespace Akd.Bench;

/// <summary>What the scenarios share: options, the report, and the fleet cluster (started once, on first use).</summary>
public sealed class BenchContext(BenchOptions options, BenchReport report, Action<string> log) : IAsyncDisposable
{
    private BenchCluster? _cluster;

    public BenchOptions Options => options;

    public BenchReport Report => report;

    public RepoLayout Repo { get; } = new(options.RepoRoot, options.Configuration);

    public AkdPrograms Programs => new(Repo, options.AgentBinary);

    public void Log(string message) => log($"[{DateTime.Now:HH:mm:ss}] {message}");

    public string Work(string name) => Path.Combine(options.WorkDir, name);

    /// <summary>Coordinator, build agent and <see cref="BenchOptions.Hosts"/> web agents.</summary>
    public async Task<BenchCluster> ClusterAsync(CancellationToken ct)
    {
        if (_cluster is null)
        {
            Log($"starting a coordinator, a build agent and {options.Hosts} web agents ({(Programs.AgentIsNative ? "NativeAOT" : "framework-dependent")} agent)");
            _cluster = await BenchCluster.StartAsync(Programs, Work("cluster"), options.Hosts, ct).ConfigureAwait(false);
        }

        return _cluster;
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
        }
    }
}
