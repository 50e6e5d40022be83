using System.Diagnostics;
using Akd.Contracts.V1;

namespace Akd.Testing;

/// <summary>
/// A coordinator, one build agent and N web agents, all real processes on 127.0.0.1 with their own
/// data dirs and ports, as the demo runs them; the integration tests and bench/ start it alike.
/// Disposing it stops every BEAM the agents started, then the agents and the coordinator.
/// </summary>
public sealed class LocalFleet : IAsyncDisposable
{
    private readonly List<ManagedProcess> _agentRuns = [];
    private readonly Dictionary<string, AgentArgs> _agentArgs = [];
    private readonly FleetOptions _options;
    private TestCoordinator? _coordinator;

    private LocalFleet(FleetOptions options, string root, string suffix)
    {
        _options = options;
        Root = root;
        Suffix = suffix;
    }

    private sealed record AgentArgs(string Labels, IReadOnlyDictionary<string, string>? Env, string[] AppEnv, string? ConfigFile);

    public string Root { get; }

    /// <summary>
    /// Appended to agent names: several fleets may run on one machine at once, and the agent derives
    /// each release's Erlang node name from its own name, which must be unique per machine.
    /// </summary>
    public string Suffix { get; }

    public AkdPrograms Programs => _options.Programs;

    public string BuildAgentName => $"{_options.BuildAgent}-{Suffix}";

    public string BuildDataDir => DataDirOf(BuildAgentName);

    public TestCoordinator Coordinator => _coordinator ?? throw new InvalidOperationException("the coordinator has not started");

    public string CoordinatorUrl => Coordinator.Url;

    /// <summary>
    /// More coordinators (replicas), each with a data dir of its own, on the first one's PostgreSQL database (by
    /// their args): <see cref="AddReplicaAsync"/>.
    /// </summary>
    public List<TestCoordinator> Replicas { get; } = [];

    /// <summary>The URL(s) agents started from now on are given with <c>--coordinator</c>; null: the first coordinator's.</summary>
    public string? AgentCoordinatorUrl { get; set; }

    /// <summary>
    /// A command the agents started from now on run under, e.g. <c>setpriv --reuid U ... --</c> to run one as an
    /// unprivileged user with only its unit's capabilities; null: none (they run as the test does).
    /// </summary>
    public IReadOnlyList<string>? AgentWrapper { get; set; }

    public int CoordinatorPort => Coordinator.Port;

    /// <summary>The coordinator's CA certificate, written on its first start: akdctl and the agents trust it.</summary>
    public string CaFile => Coordinator.CaFile;

    /// <summary>The bootstrap admin token the coordinator wrote on its first start; akdctl of this fleet presents it.</summary>
    public string AdminToken { get; private set; } = "";

    public string AdminTokenFile => Coordinator.AdminTokenFile;

    /// <summary>Extra coordinator settings (e.g. <c>Trust__AgentCertificateLifetime</c>) for the next start.</summary>
    public Dictionary<string, string> CoordinatorEnv => Coordinator.Env;

    public List<WebHost> Web { get; } = [];

    /// <summary>The current process of each agent, by name.</summary>
    public Dictionary<string, ManagedProcess> Agents { get; } = [];

    public sealed record WebHost(string Name, int Port, string DataDir)
    {
        public string DeployPath(string app) => Path.Combine(DataDir, "apps", app);
    }

    /// <summary>The environment akdctl needs to trust this fleet's coordinator, plus <paramref name="extra"/>.</summary>
    public Dictionary<string, string> CliEnv(IReadOnlyDictionary<string, string>? extra = null) =>
        new(extra ?? new Dictionary<string, string>()) { ["AKD_CA_FILE"] = CaFile };

    public static Task<LocalFleet> StartAsync(
        int webAgents, CancellationToken ct, IReadOnlyDictionary<string, string>? webAgentEnv = null, IReadOnlyDictionary<string, string>? coordinatorEnv = null,
        IReadOnlyList<string>? coordinatorArgs = null) =>
        StartAsync(new FleetOptions { WebAgents = webAgents, WebAgentEnv = webAgentEnv, CoordinatorEnv = coordinatorEnv, CoordinatorArgs = coordinatorArgs }, ct);

    public static async Task<LocalFleet> StartAsync(FleetOptions options, CancellationToken ct)
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var root = options.Root ?? Path.Combine(Path.GetTempPath(), "akd-it-" + suffix);
        Directory.CreateDirectory(root);
        var fleet = new LocalFleet(options, root, suffix);
        ReleaseProcesses.StartEpmd();
        try
        {
            fleet._coordinator = await TestCoordinator.StartAsync(options.Programs, Path.Combine(root, "coordinator"), ct, options.CoordinatorEnv, options.CoordinatorArgs).ConfigureAwait(false);
            fleet.AdminToken = fleet._coordinator.AdminToken;
            fleet.AgentCoordinatorUrl = options.AgentCoordinatorUrls?.Invoke(fleet._coordinator.Url);
            await fleet.StartAgentAsync(fleet.BuildAgentName, options.BuildLabels, ct: ct).ConfigureAwait(false);
            for (var i = 1; i <= options.WebAgents; i++)
            {
                var name = $"{options.WebAgentName(i)}-{suffix}";
                var host = new WebHost(name, Ports.Free(), fleet.DataDirOf(name));
                fleet.Web.Add(host);
                await fleet.StartAgentAsync(host.Name, options.WebLabels(i), options.WebAgentEnv, ct, $"PORT={host.Port}").ConfigureAwait(false);
            }

            await fleet.WaitForAgentsAsync(options.WebAgents + 1, ct).ConfigureAwait(false);
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Starts another coordinator with a data dir of its own and <paramref name="args"/> (the same <c>--postgres</c>, and
    /// a <c>--replica-id</c> of its own). Nothing is copied: the CA that join tokens pin, the tokens and the artifacts
    /// are what the replicas share through PostgreSQL.
    /// </summary>
    /// <param name="port">The port it listens on (e.g. one already named to agents); null: a free one.</param>
    public async Task<TestCoordinator> AddReplicaAsync(IReadOnlyList<string> args, CancellationToken ct, int? port = null)
    {
        var dataDir = Path.Combine(Root, $"coordinator-{Replicas.Count + 2}");
        var replica = await TestCoordinator.StartAsync(Programs, dataDir, ct, _options.CoordinatorEnv, args, port, writesAdminToken: false).ConfigureAwait(false);
        Replicas.Add(replica);
        return replica;
    }

    /// <summary>Kills the coordinator (no graceful shutdown, as in a crash) and starts it again on the same port and data dir.</summary>
    public Task RestartCoordinatorAsync(CancellationToken ct) => Coordinator.RestartAsync(ct);

    /// <summary>
    /// Starts an agent as an operator would: a join token for exactly this name and these labels
    /// (unless its data dir already holds an identity), then <c>akd-agent --join</c>.
    /// </summary>
    public Task<ManagedProcess> StartAgentAsync(
        string name, string labels, IReadOnlyDictionary<string, string>? agentEnv = null, CancellationToken ct = default, params string[] appEnv) =>
        StartAgentAsync(name, new AgentArgs(labels, agentEnv, appEnv, null), ct);

    /// <summary>Starts an agent that also reads <paramref name="configFile"/> (<c>--config</c>), as one installed with /etc/akd/agent.json.</summary>
    public Task<ManagedProcess> StartAgentWithConfigAsync(
        string name, string labels, IReadOnlyDictionary<string, string>? agentEnv, string configFile, CancellationToken ct = default) =>
        StartAgentAsync(name, new AgentArgs(labels, agentEnv, [], configFile), ct);

    private async Task<ManagedProcess> StartAgentAsync(string name, AgentArgs args, CancellationToken ct)
    {
        _agentArgs[name] = args;
        var dataDir = DataDirOf(name);
        var join = Directory.Exists(Path.Combine(dataDir, "identity")) ? null : await JoinTokenAsync(args.Labels, name, ct: ct).ConfigureAwait(false);
        return StartAgentProcess(name, dataDir, join, args.Env, args.ConfigFile, args.AppEnv);
    }

    /// <summary>The data dir an agent of this fleet gets: its name without the fleet's suffix.</summary>
    public string DataDirOf(string name) => Path.Combine(Root, name.EndsWith($"-{Suffix}", StringComparison.Ordinal) ? name[..^(Suffix.Length + 1)] : name);

    /// <summary>A join token from the coordinator, as <c>akdctl agents join-token</c> asks for it.</summary>
    public Task<string> JoinTokenAsync(string labels, string? name = null, string? prefix = null, int uses = 1, int ttlSeconds = 0, CancellationToken ct = default) =>
        Coordinator.Admin.JoinTokenAsync(labels, name, prefix, uses, ttlSeconds, ct);

    /// <summary>Starts the agent process with <paramref name="join"/> (null: none, for an agent already enrolled or an impostor).</summary>
    public ManagedProcess StartAgentProcess(
        string name, string dataDir, string? join, IReadOnlyDictionary<string, string>? agentEnv = null, params string[] appEnv) =>
        StartAgentProcess(name, dataDir, join, agentEnv, configFile: null, appEnv);

    private ManagedProcess StartAgentProcess(
        string name, string dataDir, string? join, IReadOnlyDictionary<string, string>? agentEnv, string? configFile, string[] appEnv)
    {
        var process = Programs.StartAgent(AgentCoordinatorUrl ?? CoordinatorUrl, name, dataDir, join, agentEnv, configFile, appEnv, wrapper: AgentWrapper);
        _agentRuns.Add(process);
        Agents[name] = process;
        return process;
    }

    /// <summary>Starts one more web agent, <c>web-ID</c> with its own PORT, and waits until it is online.</summary>
    public async Task<WebHost> AddWebAgentAsync(string id, string labels, IReadOnlyDictionary<string, string> agentEnv, CancellationToken ct)
    {
        var name = $"web-{id}-{Suffix}";
        var host = new WebHost(name, Ports.Free(), DataDirOf(name));
        Web.Add(host);
        await StartAgentAsync(host.Name, labels, agentEnv, ct, $"PORT={host.Port}").ConfigureAwait(false);
        await WaitForAgentStateAsync(host.Name, AgentState.Online, ct).ConfigureAwait(false);
        return host;
    }

    /// <summary>
    /// Kills an agent process (as a crash or an upgrade would) and starts it again with the same
    /// arguments; returns once the coordinator has seen it go and come back.
    /// </summary>
    /// <param name="whileDown">Runs right after the kill, before the coordinator is asked whether it saw the agent go.</param>
    public async Task RestartAgentAsync(string name, CancellationToken ct, Action? whileDown = null)
    {
        Agents[name].Kill();
        whileDown?.Invoke();
        await WaitForAgentStateAsync(name, AgentState.Offline, ct).ConfigureAwait(false);
        await StartAgentAsync(name, _agentArgs[name], ct).ConfigureAwait(false);
        await WaitForAgentStateAsync(name, AgentState.Online, ct).ConfigureAwait(false);
    }

    public Task WaitForAgentStateAsync(string name, AgentState state, CancellationToken ct) =>
        WaitForAgentsAsync(agents => agents.Any(a => a.Name == name && a.State == state), $"agent {name} did not become {state.Text()}", ct);

    /// <summary>Waits until at least <paramref name="online"/> agents of this fleet are online.</summary>
    public Task WaitForAgentsAsync(int online, CancellationToken ct) =>
        WaitForAgentsAsync(agents => agents.Count(a => a.State == AgentState.Online) >= online, $"fewer than {online} agents came online", ct);

    public Task<CliResult> AkdctlAsync(string cwd, TimeSpan timeout, params string[] args) =>
        CliRun.RunAsync(Programs.Cli, CoordinatorUrl, cwd, timeout, CliEnv(new Dictionary<string, string> { ["AKD_TOKEN"] = AdminToken }), args);

    /// <summary>Where the coordinator stores the release artifact a deployment built.</summary>
    public async Task<string> ArtifactPathAsync(string deploymentId, CancellationToken ct)
    {
        var deployment = await new Control.ControlClient(Coordinator.Admin.Invoker)
            .GetDeploymentAsync(new GetDeploymentRequest { Id = deploymentId }, cancellationToken: ct).ConfigureAwait(false);
        var sha = deployment.ArtifactSha256;
        return Path.Combine(Coordinator.DataDir, "artifacts", "sha256", sha[..2], sha);
    }

    /// <summary>Empties the web agents' download caches so the next deploy moves its artifact.</summary>
    public void ClearArtifactCaches()
    {
        foreach (var web in Web)
        {
            var cache = Path.Combine(web.DataDir, "cache", "artifacts");
            if (Directory.Exists(cache))
            {
                Directory.Delete(cache, recursive: true);
            }
        }
    }

    /// <summary>Everything the processes printed, for the test log when something fails.</summary>
    public string Logs() =>
        string.Join("\n", (_coordinator?.Runs ?? []).Concat(Replicas.SelectMany(r => r.Runs)).Concat(_agentRuns).Select(p => $"===== {p.Name} =====\n{p.TimedOutput}"));

    public async ValueTask DisposeAsync()
    {
        // Also the apps of agents a test started itself (StartAgentAsync), not only the fleet's web hosts.
        foreach (var dataDir in Web.Select(h => h.DataDir).Concat(Agents.Keys.Select(DataDirOf)).Distinct())
        {
            ReleaseProcesses.StopAll(dataDir);
        }

        foreach (var process in _agentRuns)
        {
            process.Dispose();
        }

        foreach (var replica in Replicas)
        {
            replica.Dispose();
        }

        _coordinator?.Dispose();
        await Task.Yield();
        if (!_options.DeleteRoot)
        {
            return;
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task WaitForAgentsAsync(Func<IReadOnlyList<AgentInfo>, bool> done, string failure, CancellationToken ct)
    {
        var control = new Control.ControlClient(Coordinator.Admin.Invoker);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var agents = await control.ListAgentsAsync(new ListAgentsRequest(), cancellationToken: ct).ConfigureAwait(false);
            if (done(agents.Agents))
            {
                return;
            }

            if (watch.Elapsed > _options.AgentStateTimeout)
            {
                throw new TimeoutException($"{failure} within {_options.AgentStateTimeout.TotalSeconds:0}s: {string.Join(", ", agents.Agents.Select(a => $"{a.Name} {a.State.Text()}"))}\n{Logs()}");
            }

            await Task.Delay(200, ct).ConfigureAwait(false);
        }
    }
}
