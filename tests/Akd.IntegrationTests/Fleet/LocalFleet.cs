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
    private readonly Dictionary<string, (string Labels, IReadOnlyDictionary<string, string>? Env, string[] AppEnv)> _agentArgs = [];
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

    /// <summary>When set, the coordinator requires tokens; agents and akdctl of this fleet present them.</summary>
    public string? AgentToken { get; private set; }

    public string? ControlToken { get; private set; }

    /// <param name="webAgentEnv">Extra process env for the web agents (and so for the apps they start), e.g. a PATH with a fake tool first.</param>
    public static async Task<LocalFleet> StartAsync(
        int webAgents, CancellationToken ct, IReadOnlyDictionary<string, string>? webAgentEnv = null, bool withTokens = false)
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var root = Path.Combine(Path.GetTempPath(), "akd-it-" + suffix);
        Directory.CreateDirectory(root);
        var fleet = new LocalFleet(root, suffix);
        if (withTokens)
        {
            fleet.AgentToken = "agent-" + Guid.NewGuid().ToString("N");
            fleet.ControlToken = "control-" + Guid.NewGuid().ToString("N");
        }

        try
        {
            fleet.CoordinatorPort = FreePort();
            fleet.CoordinatorUrl = $"https://127.0.0.1:{fleet.CoordinatorPort}";
            fleet.StartCoordinator();
            await fleet.WaitForPortAsync(fleet.CoordinatorPort, ct);

            fleet.StartAgent(fleet.BuildAgentName, "role=build");
            for (var i = 1; i <= webAgents; i++)
            {
                var port = FreePort();
                var host = new WebHost($"web-{i}-{suffix}", port, Path.Combine(root, $"web-{i}"));
                fleet.Web.Add(host);
                fleet.StartAgent(host.Name, "role=web", webAgentEnv, $"PORT={port}");
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

    public void StartCoordinator()
    {
        var env = new Dictionary<string, string>();
        if (AgentToken is not null && ControlToken is not null)
        {
            env["Coordinator__AgentToken"] = AgentToken;
            env["Coordinator__ControlToken"] = ControlToken;
        }

        Coordinator = ManagedProcess.StartDotnet("coordinator", RepoPaths.Coordinator,
            ["--urls", CoordinatorUrl, "--data-dir", Path.Combine(Root, "coordinator")], env);
        _processes.Add(Coordinator);
    }

    /// <summary>Kills the coordinator (no graceful shutdown, as in a crash) and starts it again on the same port and data dir.</summary>
    public async Task RestartCoordinatorAsync(CancellationToken ct)
    {
        Coordinator?.Kill();
        StartCoordinator();
        await WaitForPortAsync(CoordinatorPort, ct);
    }

    public ManagedProcess StartAgent(string name, string labels, params string[] appEnv) => StartAgent(name, labels, null, appEnv);

    /// <summary>Starts an agent with <paramref name="token"/> instead of the fleet's (an impostor, in a test).</summary>
    public ManagedProcess StartAgentWithToken(string name, string labels, string? token, params string[] appEnv) =>
        StartAgent(name, labels, token is null ? null : new Dictionary<string, string> { ["AKD_Agent__Token"] = token }, appEnv, useFleetToken: false);

    public ManagedProcess StartAgent(string name, string labels, IReadOnlyDictionary<string, string>? agentEnv, params string[] appEnv) =>
        StartAgent(name, labels, agentEnv, appEnv, useFleetToken: true);

    private ManagedProcess StartAgent(string name, string labels, IReadOnlyDictionary<string, string>? agentEnv, string[] appEnv, bool useFleetToken)
    {
        _agentArgs[name] = (labels, agentEnv, appEnv);
        var dataDir = Path.Combine(Root, name.EndsWith($"-{Suffix}", StringComparison.Ordinal) ? name[..^(Suffix.Length + 1)] : name);
        var args = new List<string> { "--coordinator", CoordinatorUrl, "--ca-file", CaFile, "--name", name, "--labels", labels, "--data-dir", dataDir };
        foreach (var pair in appEnv)
        {
            args.AddRange(["--app-env", pair]);
        }

        var processEnv = new Dictionary<string, string>(agentEnv ?? new Dictionary<string, string>()) { ["AKD_Agent__ReconnectMaxDelay"] = "00:00:02" };
        if (useFleetToken && AgentToken is not null)
        {
            processEnv["AKD_Agent__Token"] = AgentToken;
        }

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
        StartAgent(host.Name, labels, agentEnv, $"PORT={host.Port}");
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
        var (labels, env, appEnv) = _agentArgs[name];
        StartAgent(name, labels, env, appEnv);
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
        CliRun.AkdctlAsync(CoordinatorUrl, cwd, timeout, CliEnv(ControlToken is null ? null : new Dictionary<string, string> { ["AKD_TOKEN"] = ControlToken }), args);

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
