namespace Akd.Core.Manifest;

/// <summary>
/// A validated <c>akd.yaml</c>, with the selected environment's overlay already applied.
/// Built by <c>Akd.Manifest.ManifestLoader</c> (akdctl, the coordinator), and on an agent from the typed spec a step carries; every value here has passed validation.
/// </summary>
public sealed record AppManifest
{
    /// <summary>Release name; defaults to the Mix app name.</summary>
    public required string App { get; init; }

    public DeployStrategy Strategy { get; init; } = DeployStrategy.RemoteBuild;

    public SourceSettings Source { get; init; } = new();

    public BuildSettings Build { get; init; } = new();

    public DeploySettings Deploy { get; init; } = new();

    public HealthSettings Health { get; init; } = new();

    public IReadOnlyList<HookSpec> Hooks { get; init; } = [];

    /// <summary>The environment whose overlay was applied, or null for the base manifest.</summary>
    public string? Environment { get; init; }

    /// <summary>Names of every environment the manifest declares.</summary>
    public IReadOnlyList<string> EnvironmentNames { get; init; } = [];
}

public enum DeployStrategy
{
    RemoteBuild,
    LocalBuild,
    Source,
}

public enum BuildTool
{
    MixRelease,
    Distillery,
}

public enum Toolchain
{
    System,
    Asdf,
}

public sealed record SourceSettings
{
    /// <summary>Working tree that akdctl uploads, relative to the manifest. Null when <see cref="Git"/> is set.</summary>
    public string? Path { get; init; } = ".";

    public string? Git { get; init; }

    public string? Ref { get; init; }
}

public sealed record BuildSettings
{
    public LabelSelector On { get; init; } = LabelSelector.Parse("role=build");

    public BuildTool Tool { get; init; } = BuildTool.MixRelease;

    public string MixEnv { get; init; } = "prod";

    public Toolchain Toolchain { get; init; } = Toolchain.System;

    public bool IncludeErts { get; init; } = true;
}

public sealed record DeploySettings
{
    public LabelSelector To { get; init; } = LabelSelector.Parse("role=web");

    /// <summary>Relative paths resolve under the agent's data dir; absolute ones are used as given.</summary>
    public string Path { get; init; } = "";

    public int KeepReleases { get; init; } = 5;

    public RollingSettings Rolling { get; init; } = new();

    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    /// <summary>Null means "release" (bin/APP daemon|stop); otherwise the command to run from the release directory.</summary>
    public IReadOnlyList<string>? RunCommand { get; init; }

    /// <summary>How a running release is replaced by the new one: restart (default), hot, or auto.</summary>
    public UpgradeMode Upgrade { get; init; } = UpgradeMode.Restart;

    /// <summary>
    /// <c>deploy.start_overlap</c>: whether, on a cold restart, the new VM boots while the old one still runs
    /// (see <see cref="StartOverlapMode"/> and README). Off by default.
    /// </summary>
    public StartOverlapMode StartOverlap { get; init; } = StartOverlapMode.Off;

    /// <summary>
    /// <c>deploy.user</c>: the Unix user the app runs as on each target. Empty means the agent's default:
    /// one system user per app and deploy path, created on first deploy.
    /// </summary>
    public string User { get; init; } = "";

    /// <summary>
    /// The longest one host may take for one step (download, switch, restart, health check); null
    /// means the coordinator's default. An agent that dies mid-step fails its host after this at the latest.
    /// </summary>
    public TimeSpan? StepTimeout { get; init; }
}

/// <summary><c>deploy.start_overlap</c>: how far the new VM's boot overlaps the old VM on a cold restart.</summary>
public enum StartOverlapMode
{
    /// <summary><c>false</c>: the old VM is stopped, then the new one boots.</summary>
    Off,

    /// <summary>
    /// <c>true</c>: the old VM gets SIGTERM and the new one boots as soon as the old one no longer listens on the
    /// health check's port, under the other of two node names, while the old one finishes shutting down.
    /// </summary>
    PortClosed,

    /// <summary>
    /// <c>shared_port</c>: the app binds its port with SO_REUSEPORT, so the new VM boots and listens while the old
    /// one still serves; the old one gets SIGTERM only once the new one listens and passes the health check.
    /// </summary>
    SharedPort,
}

/// <summary><c>deploy.upgrade</c>: how a host goes from the release it runs to the new one.</summary>
public enum UpgradeMode
{
    /// <summary>Stop the old VM, boot the new release.</summary>
    Restart,

    /// <summary>Upgrade the running VM with a relup (release_handler); fail when that cannot work.</summary>
    Hot,

    /// <summary>Hot when a relup can work, restart otherwise; the step says which and why.</summary>
    Auto,
}

public sealed record RollingSettings
{
    public RollingBatch Batch { get; init; } = RollingBatch.Count(1);

    public int MaxFailures { get; init; }

    public TimeSpan Pause { get; init; } = TimeSpan.Zero;

    /// <summary>What goes back when the rollout stops: only the hosts that failed, or every host that switched.</summary>
    public RollbackScope Rollback { get; init; } = RollbackScope.Failed;
}

public enum RollbackScope
{
    /// <summary>Only a host whose health check failed goes back to its previous release.</summary>
    Failed,

    /// <summary>When the rollout stops, hosts of earlier, healthy batches go back too: all or nothing.</summary>
    All,
}

/// <summary><c>batch:</c> a host count, a percentage of the targets, or all of them.</summary>
public sealed record RollingBatch(RollingBatchKind Kind, int Value)
{
    public static RollingBatch Count(int hosts) => new(RollingBatchKind.Count, hosts);

    public static RollingBatch Percent(int percent) => new(RollingBatchKind.Percent, percent);

    public static RollingBatch All { get; } = new(RollingBatchKind.All, 0);

    /// <summary>How many hosts go in one batch when there are <paramref name="targets"/> targets (at least one).</summary>
    public int SizeFor(int targets) => Kind switch
    {
        RollingBatchKind.All => Math.Max(1, targets),
        RollingBatchKind.Percent => Math.Max(1, (int)Math.Ceiling(targets * Value / 100.0)),
        _ => Math.Max(1, Value),
    };
}

public enum RollingBatchKind
{
    Count,
    Percent,
    All,
}

public sealed record HealthSettings
{
    /// <summary>URL that must answer 2xx; may contain <c>${VAR}</c>.</summary>
    public string? Http { get; init; }

    /// <summary><c>host:port</c> that must accept a connection; may contain <c>${VAR}</c>.</summary>
    public string? Tcp { get; init; }

    /// <summary>Command (argument array) that must exit 0, run from the release directory.</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>Optional substring the HTTP body must contain.</summary>
    public string? Expect { get; init; }

    /// <summary>Total time the check may take before the host counts as unhealthy.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Pause between attempts.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Attempts before giving up; 0 means "until the timeout".</summary>
    public int Retries { get; init; }

    public bool IsConfigured => Http is not null || Tcp is not null || Command is not null;
}

public enum HookStage
{
    BeforeBuild,
    AfterBuild,
    BeforeActivate,
    AfterActivate,
    AfterStart,
}

/// <summary>akd's hook: a main command list, cleanup that always runs, and undo on failure.</summary>
public sealed record HookSpec
{
    public required string Name { get; init; }

    public required HookStage At { get; init; }

    /// <summary>Main commands, each an argument array.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Run { get; init; } = [];

    public IReadOnlyList<IReadOnlyList<string>> Ensure { get; init; } = [];

    public IReadOnlyList<IReadOnlyList<string>> Rollback { get; init; } = [];

    public bool IgnoreFailure { get; init; }
}
