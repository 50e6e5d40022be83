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

    public ManagedProcess? Coordinator { get; private set; }

    public List<WebHost> Web { get; } = [];

    public Dictionary<string, ManagedProcess> Agents { get; } = [];

    public sealed record WebHost(string Name, int Port, string DataDir)
    {
        public string DeployPath(string app) => Path.Combine(DataDir, "apps", app);
    }

    public static async Task<LocalFleet> StartAsync(int webAgents, CancellationToken ct)
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var root = Path.Combine(Path.GetTempPath(), "akd-it-" + suffix);
        Directory.CreateDirectory(root);
        var fleet = new LocalFleet(root, suffix);
        try
        {
            fleet.CoordinatorPort = FreePort();
            fleet.CoordinatorUrl = $"http://127.0.0.1:{fleet.CoordinatorPort}";
            fleet.StartCoordinator();
            await fleet.WaitForPortAsync(fleet.CoordinatorPort, ct);

            fleet.StartAgent(fleet.BuildAgentName, "role=build");
            for (var i = 1; i <= webAgents; i++)
            {
                var port = FreePort();
                var host = new WebHost($"web-{i}-{suffix}", port, Path.Combine(root, $"web-{i}"));
                fleet.Web.Add(host);
                fleet.StartAgent(host.Name, "role=web", $"PORT={port}");
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
        Coordinator = ManagedProcess.StartDotnet("coordinator", RepoPaths.Coordinator,
            ["--urls", CoordinatorUrl, "--data-dir", Path.Combine(Root, "coordinator")]);
        _processes.Add(Coordinator);
    }

    /// <summary>Kills the coordinator (no graceful shutdown, as in a crash) and starts it again on the same port and data dir.</summary>
    public async Task RestartCoordinatorAsync(CancellationToken ct)
    {
        Coordinator?.Kill();
        StartCoordinator();
        await WaitForPortAsync(CoordinatorPort, ct);
    }

    public ManagedProcess StartAgent(string name, string labels, params string[] appEnv)
    {
        var dataDir = Path.Combine(Root, name.EndsWith($"-{Suffix}", StringComparison.Ordinal) ? name[..^(Suffix.Length + 1)] : name);
        var args = new List<string> { "--coordinator", CoordinatorUrl, "--name", name, "--labels", labels, "--data-dir", dataDir };
        foreach (var env in appEnv)
        {
            args.AddRange(["--app-env", env]);
        }

        var process = ManagedProcess.StartDotnet(name, RepoPaths.Agent, args, new Dictionary<string, string> { ["Agent__ReconnectMaxDelay"] = "00:00:02" });
        _processes.Add(process);
        Agents[name] = process;
        return process;
    }

    public Task<CliResult> AkdctlAsync(string cwd, TimeSpan timeout, params string[] args) => CliRun.AkdctlAsync(CoordinatorUrl, cwd, timeout, args);

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

    /// <summary>Stops the BEAM an agent started, by the pid the agent recorded.</summary>
    private static void StopReleases(WebHost host)
    {
        var apps = Path.Combine(host.DataDir, "apps");
        if (!Directory.Exists(apps))
        {
            return;
        }

        foreach (var state in Directory.GetFiles(apps, ".akd-run.json", SearchOption.AllDirectories))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(state));
            if (doc.RootElement.TryGetProperty("Pid", out var pid) && pid.ValueKind == JsonValueKind.Number)
            {
                try
                {
                    using var process = Process.GetProcessById(pid.GetInt32());
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5000);
                }
                catch (ArgumentException)
                {
                    // Already gone.
                }
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
