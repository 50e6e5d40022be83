namespace Akd.Bench;

/// <summary>What to run and how big. The defaults are the issue's parameters; the smoke test shrinks them.</summary>
public sealed class BenchOptions
{
    public static readonly IReadOnlyList<string> AllScenarios = ["fleet", "transfer", "footprint", "scale", "rebuild", "upgrade", "fan-out"];

    /// <summary>The repository (for the built programs, examples/hello and bench/shell).</summary>
    public required string RepoRoot { get; init; }

    /// <summary>Build configuration of the programs under test: Release for bench/run.sh.</summary>
    public string Configuration { get; init; } = "Release";

    /// <summary>Scratch space: hosts, data dirs, the big artifact. Outside the repository, removed at the end.</summary>
    public string WorkDir { get; init; } = Path.Combine(Path.GetTempPath(), $"akd-bench-{Guid.NewGuid().ToString("N")[..6]}");

    /// <summary>Where the report goes; null writes none.</summary>
    public string? OutputFile { get; init; }

    public IReadOnlyList<string> Scenarios { get; init; } = AllScenarios;

    /// <summary>Measured runs of each variant (after an unmeasured warm-up where one is needed).</summary>
    public int Repetitions { get; init; } = 5;

    /// <summary>Target hosts of the fleet deploy.</summary>
    public int Hosts { get; init; } = 10;

    /// <summary>Rolling batch sizes tried for Akd (and for the floor at the same width); sizes above <see cref="Hosts"/> are dropped.</summary>
    public IReadOnlyList<int> BatchSizes { get; init; } = [1, 2, 5, 10];

    /// <summary>Size of the artifact moved in the transfer scenario.</summary>
    public long ArtifactBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>Simulated agent streams opened against one coordinator, then split over two replicas (issue 15's 10,000).</summary>
    public int FakeAgents { get; init; } = 10_000;

    /// <summary>
    /// Scenario "scale": which of its parts run (<c>--scale-parts</c>): "one" (one coordinator on SQLite: connect, idle,
    /// rounds, the reconnect storm, SIGTERM) and "replicas" (two on PostgreSQL: round, SIGKILL failover).
    /// </summary>
    public IReadOnlyList<string> ScaleParts { get; init; } = ["one", "replicas"];

    /// <summary>Scenario "fan-out": the fleet sizes delivered to, star (from the coordinator) and peer-to-peer (<c>--fanout-sizes</c>).</summary>
    public IReadOnlyList<int> FanOutSizes { get; init; } = [2, 5, 10, 20];

    /// <summary>Scenario "fan-out": the random payload in the release's priv/, so the artifact is about this big (<c>--fanout-mb</c>).</summary>
    public long FanOutBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>How long an idle process is watched for its CPU use (one coordinator heartbeat period by default).</summary>
    public TimeSpan IdleWindow { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The NativeAOT-published agent; null runs the framework-dependent build (<c>dotnet akd-agent.dll</c>).</summary>
    public string? AgentBinary { get; init; }

    /// <summary>Scenario "transfer": also run the cut-through variant (a real build and deploy; <c>--cut-through off</c> measures only the hops).</summary>
    public bool CutThrough { get; init; } = true;

    /// <summary>Run the SSH baseline (needs <c>/usr/sbin/sshd</c>; bench/run.sh installs openssh-server).</summary>
    public bool Ssh { get; init; } = true;

    /// <summary>Extra generated modules for the "larger app" warm-rebuild variant; 0 measures examples/hello alone.</summary>
    public int GeneratedModules { get; init; } = 300;

    /// <summary>Keep <see cref="WorkDir"/> after the run (to look at logs).</summary>
    public bool KeepWork { get; init; }

    /// <summary>
    /// Replace only the figures of <see cref="Scenarios"/> in the existing <see cref="OutputFile"/>, keeping the other
    /// scenarios' from the run that measured them (<c>--merge on</c>; see <see cref="Infra.ReportMerge"/>).
    /// </summary>
    public bool Merge { get; init; }

    /// <summary>The batch sizes tried: always 1 and all hosts (compared with the SSH way's two modes).</summary>
    public IReadOnlyList<int> EffectiveBatchSizes =>
        BatchSizes.Where(b => b >= 1 && b <= Hosts).Append(1).Append(Hosts).Distinct().Order().ToList();
}
