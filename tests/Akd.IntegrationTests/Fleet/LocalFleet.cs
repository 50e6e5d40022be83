using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Akd.IntegrationTests.Fleet;

/// <summary>
/// A coordinator, one build agent and N web agents, all real processes on 127.0.0.1 with their own
/// data dirs and ports. Disposing it stops every BEAM the agents started, then the agents and the coordinator.
/// </summary>
internal sealed class LocalFleet : IAsyncDisposable
{
    private readonly List<ManagedProcess> _processes = [];
    private readonly Dictionary<string, (string Labels, IReadOnlyDictionary<string, string>? Env, string[] AppEnv, string? ConfigFile)> _agentArgs = [];
    private readonly bool _epmdWasRunning = EpmdIsRunning();

    private LocalFleet(string root, string suffix)
    {
        Root = root;
        Suffix = suffix;
    }

    public string Root { get; }

    /// <summary>
    /// Appended to agent names: several fleets may run on one machine at once, and the agent derives
    /// each release's Erlang node name from its own name, which must be unique per machine.
    /// </summary>
    public string Suffix { get; }

    public string BuildAgentName => $"build-1-{Suffix}";

    public string CoordinatorUrl { get; private set; } = "";

    public int CoordinatorPort { get; private set; }

    /// <summary>The coordinator's CA certificate, written on its first start: akdctl and the agents trust it.</summary>
    public string CaFile => Path.Combine(Root, "coordinator", "pki", "ca.crt");

    /// <summary>The environment akdctl needs to trust this fleet's coordinator, plus <paramref name="extra"/>.</summary>
    public Dictionary<string, string> CliEnv(IReadOnlyDictionary<string, string>? extra = null)
    {
        var env = new Dictionary<string, string>(extra ?? new Dictionary<string, string>()) { ["AKD_CA_FILE"] = CaFile };
        return env;
    }

    public ManagedProcess? Coordinator { get; private set; }

    public List<WebHost> Web { get; } = [];

    public Dictionary<string, ManagedProcess> Agents { get; } = [];

    public sealed record WebHost(string Name, int Port, string DataDir)
    {
        public string DeployPath(string app) => Path.Combine(DataDir, "apps", app);
    }

    /// <summary>The bootstrap admin token the coordinator wrote on its first start; akdctl of this fleet presents it.</summary>
    public string AdminToken { get; private set; } = "";

    public string AdminTokenFile => Path.Combine(Root, "coordinator", "admin.token");

    /// <param name="webAgentEnv">Extra process env for the web agents (and so for the apps they start), e.g. a PATH with a fake tool first.</param>
    /// <param name="coordinatorEnv">Coordinator settings, e.g. a short <c>Trust__AgentCertificateLifetime</c>.</param>
    /// <param name="coordinatorArgs">Extra coordinator flags, on every start, e.g. <c>--postgres CONNECTION-STRING</c>.</param>
    public static async Task<LocalFleet> StartAsync(
        int webAgents, CancellationToken ct, IReadOnlyDictionary<string, string>? webAgentEnv = null, IReadOnlyDictionary<string, string>? coordinatorEnv = null,
        IReadOnlyList<string>? coordinatorArgs = null)
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var root = Path.Combine(Path.GetTempPath(), "akd-it-" + suffix);
        Directory.CreateDirectory(root);
        var fleet = new LocalFleet(root, suffix);
        foreach (var (key, value) in coordinatorEnv ?? new Dictionary<string, string>())
        {
            fleet.CoordinatorEnv[key] = value;
        }

        fleet.CoordinatorArgs.AddRange(coordinatorArgs ?? []);
        try
        {
            fleet.CoordinatorPort = FreePort();
            fleet.CoordinatorUrl = $"https://127.0.0.1:{fleet.CoordinatorPort}";
            fleet.StartCoordinator();
            await fleet.WaitForPortAsync(fleet.CoordinatorPort, ct);
            fleet.AdminToken = (await File.ReadAllTextAsync(fleet.AdminTokenFile, ct)).Trim();

            await fleet.StartAgentAsync(fleet.BuildAgentName, "role=build", ct: ct);
            for (var i = 1; i <= webAgents; i++)
            {
                var port = FreePort();
                var host = new WebHost($"web-{i}-{suffix}", port, Path.Combine(root, $"web-{i}"));
                fleet.Web.Add(host);
                await fleet.StartAgentAsync(host.Name, "role=web", webAgentEnv, ct, $"PORT={port}");
            }

            await fleet.WaitForAgentsAsync(webAgents + 1, ct);
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    /// <summary>Extra coordinator settings (e.g. <c>Trust__AgentCertificateLifetime</c>) for the next start.</summary>
    public Dictionary<string, string> CoordinatorEnv { get; } = [];

    /// <summary>Extra coordinator flags for the next start.</summary>
    public List<string> CoordinatorArgs { get; } = [];

    public void StartCoordinator()
    {
        var env = new Dictionary<string, string>(CoordinatorEnv);
        Coordinator = ManagedProcess.StartDotnet("coordinator", RepoPaths.Coordinator,
            ["--urls", CoordinatorUrl, "--data-dir", Path.Combine(Root, "coordinator"), .. CoordinatorArgs], env);
        _processes.Add(Coordinator);
    }

    /// <summary>Kills the coordinator (no graceful shutdown, as in a crash) and starts it again on the same port and data dir.</summary>
    public async Task RestartCoordinatorAsync(CancellationToken ct)
    {
        Coordinator?.Kill();
        StartCoordinator();
        await WaitForPortAsync(CoordinatorPort, ct);
    }

    /// <summary>
    /// Starts an agent as an operator would: a join token for exactly this name and these labels
    /// (unless its data dir already holds an identity), then <c>akd-agent --join</c>.
    /// </summary>
    public Task<ManagedProcess> StartAgentAsync(
        string name, string labels, IReadOnlyDictionary<string, string>? agentEnv = null, CancellationToken ct = default, params string[] appEnv) =>
        StartAgentAsync(name, labels, agentEnv, appEnv, configFile: null, ct);

    /// <summary>Starts an agent that also reads <paramref name="configFile"/> (<c>--config</c>), as one installed with /etc/akd/agent.json.</summary>
    public Task<ManagedProcess> StartAgentWithConfigAsync(
        string name, string labels, IReadOnlyDictionary<string, string>? agentEnv, string configFile, CancellationToken ct = default) =>
        StartAgentAsync(name, labels, agentEnv, [], configFile, ct);

    private async Task<ManagedProcess> StartAgentAsync(
        string name, string labels, IReadOnlyDictionary<string, string>? agentEnv, string[] appEnv, string? configFile, CancellationToken ct)
    {
        _agentArgs[name] = (labels, agentEnv, appEnv, configFile);
        var dataDir = DataDirOf(name);
        var join = Directory.Exists(Path.Combine(dataDir, "identity")) ? null : await JoinTokenAsync(labels, name, ct: ct);
        return StartAgentProcess(name, dataDir, join, agentEnv, configFile, appEnv);
    }

    /// <summary>The data dir an agent of this fleet gets: its name without the fleet's suffix.</summary>
    public string DataDirOf(string name) => Path.Combine(Root, name.EndsWith($"-{Suffix}", StringComparison.Ordinal) ? name[..^(Suffix.Length + 1)] : name);

    /// <summary>A join token from the coordinator, as <c>akdctl agents join-token</c> asks for it.</summary>
    public async Task<string> JoinTokenAsync(string labels, string? name = null, string? prefix = null, int uses = 1, int ttlSeconds = 0, CancellationToken ct = default)
    {
        using var channel = new TestChannel(CoordinatorUrl, CaFile, AdminToken);
        var request = new Akd.Contracts.V1.CreateJoinTokenRequest { Name = name ?? "", NamePrefix = prefix ?? "", Uses = uses, TtlSeconds = ttlSeconds };
        foreach (var pair in labels.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            request.Labels[pair[..pair.IndexOf('=')]] = pair[(pair.IndexOf('=') + 1)..];
        }

        var reply = await new Akd.Contracts.V1.AgentAccess.AgentAccessClient(channel.Invoker).CreateJoinTokenAsync(request, cancellationToken: ct);
        return reply.Token;
    }

    /// <summary>
    /// Enrolls an identity the way an agent does (its own key, a join token) without starting an agent
    /// process: tests present its certificate from their own clients. Returns its data dir.
    /// </summary>
    public async Task<string> EnrollIdentityAsync(string name, string labels, CancellationToken ct = default)
    {
        var dataDir = Path.Combine(Root, "identities", name);
        var options = Microsoft.Extensions.Options.Options.Create(new Akd.Agent.AgentOptions
        {
            Coordinator = CoordinatorUrl, Join = await JoinTokenAsync(labels, name, ct: ct), DataDir = dataDir, Name = name,
        });
        var identity = new Akd.Agent.Identity.AgentIdentity(options, TimeProvider.System);
        await new Akd.Agent.Identity.Enroller(identity, options, Microsoft.Extensions.Logging.Abstractions.NullLogger<Akd.Agent.Identity.Enroller>.Instance)
            .EnsureEnrolledAsync(ct);
        return dataDir;
    }

    /// <summary>Starts the agent process with <paramref name="join"/> (null: none, for an agent already enrolled or an impostor).</summary>
    public ManagedProcess StartAgentProcess(
        string name, string dataDir, string? join, IReadOnlyDictionary<string, string>? agentEnv = null, params string[] appEnv) =>
        StartAgentProcess(name, dataDir, join, agentEnv, configFile: null, appEnv);

    private ManagedProcess StartAgentProcess(
        string name, string dataDir, string? join, IReadOnlyDictionary<string, string>? agentEnv, string? configFile, string[] appEnv)
    {
        var args = new List<string> { "--coordinator", CoordinatorUrl, "--name", name, "--data-dir", dataDir };
        if (join is not null)
        {
            args.AddRange(["--join", join]);
        }

        if (configFile is not null)
        {
            args.AddRange(["--config", configFile]);
        }

        foreach (var pair in appEnv)
        {
            args.AddRange(["--app-env", pair]);
        }

        var processEnv = new Dictionary<string, string>(agentEnv ?? new Dictionary<string, string>()) { ["AKD_Agent__ReconnectMaxDelay"] = "00:00:02" };
        var process = ManagedProcess.StartDotnet(name, RepoPaths.Agent, args, processEnv);
        _processes.Add(process);
        Agents[name] = process;
        return process;
    }

    /// <summary>Starts one more web agent, <c>web-ID</c> with its own PORT, and waits until it is online.</summary>
    public async Task<WebHost> AddWebAgentAsync(string id, string labels, IReadOnlyDictionary<string, string> agentEnv, CancellationToken ct)
    {
        var host = new WebHost($"web-{id}-{Suffix}", FreePort(), Path.Combine(Root, $"web-{id}"));
        Web.Add(host);
        await StartAgentAsync(host.Name, labels, agentEnv, ct, $"PORT={host.Port}");
        await WaitForAgentStateAsync(host.Name, "online", ct);
        return host;
    }

    /// <summary>
    /// Kills an agent process (as a crash or an upgrade would) and starts it again with the same
    /// arguments; returns once the coordinator has seen it go and come back.
    /// </summary>
    public async Task RestartAgentAsync(string name, CancellationToken ct)
    {
        Agents[name].Kill();
        await WaitForAgentStateAsync(name, "offline", ct);
        var (labels, env, appEnv, configFile) = _agentArgs[name];
        await StartAgentAsync(name, labels, env, appEnv, configFile, ct);
        await WaitForAgentStateAsync(name, "online", ct);
    }

    public async Task WaitForAgentStateAsync(string name, string state, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var result = await AkdctlAsync(Root, TimeSpan.FromSeconds(30), "agents", "--output", "json");
            var found = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonDocument.Parse(line).RootElement)
                .Any(a => a.GetProperty("name").GetString() == name && a.GetProperty("state").GetString() == state);
            if (found)
            {
                return;
            }

            if (watch.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"agent {name} did not become {state}:\n{result}\n{Logs()}");
            }

            await Task.Delay(300, ct);
        }
    }

    public Task<CliResult> AkdctlAsync(string cwd, TimeSpan timeout, params string[] args) =>
        CliRun.AkdctlAsync(CoordinatorUrl, cwd, timeout, CliEnv(new Dictionary<string, string> { ["AKD_TOKEN"] = AdminToken }), args);

    /// <summary>Everything the processes printed, for the test log when something fails.</summary>
    public string Logs() => string.Join("\n", _processes.Select(p => $"===== {p.Name} =====\n{p.Output}"));

    public async Task WaitForAgentsAsync(int online, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var result = await AkdctlAsync(Root, TimeSpan.FromSeconds(30), "agents", "--output", "json");
            var count = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Count(line => JsonDocument.Parse(line).RootElement.GetProperty("state").GetString() == "online");
            if (count >= online)
            {
                return;
            }

            if (watch.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"only {count} of {online} agents came online:\n{result}\n{Logs()}");
            }

            await Task.Delay(300, ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in Web)
        {
            StopReleases(host);
        }

        foreach (var process in _processes)
        {
            process.Dispose();
        }

        // epmd is shared by every node on the machine: only stop the one our releases started,
        // and only when no other BEAM (another fleet's, a developer's) still needs it.
        if (!_epmdWasRunning && Process.GetProcessesByName("beam.smp").Length == 0)
        {
            KillEpmd();
        }

        await Task.Yield();
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

    /// <summary>
    /// Stops the BEAMs an agent started, by the pids the agent recorded: the run state of every
    /// app, and the pid file of apps run as a command (the source strategy), which exists even
    /// when a deploy failed before the run state was written.
    /// </summary>
    private static void StopReleases(WebHost host)
    {
        var apps = Path.Combine(host.DataDir, "apps");
        if (!Directory.Exists(apps))
        {
            return;
        }

        var pids = new HashSet<int>();
        foreach (var state in Directory.GetFiles(apps, ".akd-run.json", SearchOption.AllDirectories))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(state));
            if (doc.RootElement.TryGetProperty("Pid", out var pid) && pid.ValueKind == JsonValueKind.Number)
            {
                pids.Add(pid.GetInt32());
            }
        }

        foreach (var pidFile in Directory.GetFiles(apps, "app.pid", SearchOption.AllDirectories))
        {
            if (int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
            {
                pids.Add(pid);
            }
        }

        foreach (var pid in pids)
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
            catch (InvalidOperationException)
            {
                // Exited while we looked.
            }
        }
    }

    private static bool EpmdIsRunning() => Process.GetProcessesByName("epmd").Length > 0;

    private static void KillEpmd()
    {
        foreach (var epmd in Process.GetProcessesByName("epmd"))
        {
            epmd.Kill();
            epmd.Dispose();
        }
    }

    private async Task WaitForPortAsync(int port, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, ct);
                return;
            }
            catch (SocketException) when (watch.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(100, ct);
            }
            catch (SocketException)
            {
                throw new TimeoutException($"nothing listens on {port}:\n{Logs()}");
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
