using System.Diagnostics;
using System.Text.Json;
using Akd.Bench.Infra;
using Akd.Contracts.V1;
using Grpc.Net.Client;

namespace Akd.Bench.Fleet;

/// <summary>
/// A coordinator, one build agent and N web agents on 127.0.0.1: real processes, each agent with its own
/// data dir and PORT, as the demo runs them. Disposing it stops every BEAM the agents started.
/// </summary>
public sealed class BenchCluster : IAsyncDisposable
{
    private readonly List<BenchProcess> _processes = [];
    private readonly bool _epmdWasRunning = Process.GetProcessesByName("epmd").Length > 0;
    private BenchChannel? _channel;

    private BenchCluster(AkdPrograms programs, string root, string suffix)
    {
        Programs = programs;
        Root = root;
        Suffix = suffix;
    }

    public AkdPrograms Programs { get; }

    public string Root { get; }

    /// <summary>Makes agent names (and so Erlang node names) unique on the machine.</summary>
    public string Suffix { get; }

    public string Url { get; private set; } = "";

    public BenchProcess Coordinator { get; private set; } = null!;

    public string CaFile => BenchChannel.CaFileOf(Path.Combine(Root, "coordinator"));

    public string AdminTokenFile => BenchChannel.AdminTokenFileOf(Path.Combine(Root, "coordinator"));

    public string BuildDataDir => Path.Combine(Root, "build");

    public List<WebAgent> Web { get; } = [];

    public sealed record WebAgent(int Index, string Name, int Port, string DataDir, BenchProcess Process);

    public static async Task<BenchCluster> StartAsync(AkdPrograms programs, string root, int webHosts, CancellationToken ct)
    {
        var cluster = new BenchCluster(programs, root, Guid.NewGuid().ToString("N")[..6]);
        try
        {
            Directory.CreateDirectory(root);
            var port = Ports.Free();
            cluster.Url = $"https://127.0.0.1:{port}";
            cluster.Coordinator = programs.StartCoordinator(cluster.Url, Path.Combine(root, "coordinator"));
            cluster._processes.Add(cluster.Coordinator);
            await Ports.WaitListeningAsync(port, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
            await BenchChannel.WaitForTrustFilesAsync(Path.Combine(root, "coordinator"), ct).ConfigureAwait(false);
            cluster._channel = new BenchChannel(cluster.Url, Path.Combine(root, "coordinator"));

            var buildName = $"bench-build-{cluster.Suffix}";
            var buildJoin = await cluster._channel.JoinTokenAsync("role=bench-build", buildName, ct: ct).ConfigureAwait(false);
            cluster._processes.Add(programs.StartAgent(cluster.Url, buildJoin, buildName, cluster.BuildDataDir));
            for (var i = 1; i <= webHosts; i++)
            {
                var name = $"bench-web-{i}-{cluster.Suffix}";
                var appPort = Ports.Free();
                var dataDir = Path.Combine(root, $"web-{i}");
                var join = await cluster._channel.JoinTokenAsync($"role=bench-web,host={i}", name, ct: ct).ConfigureAwait(false);
                var process = programs.StartAgent(cluster.Url, join, name, dataDir, $"PORT={appPort}");
                cluster._processes.Add(process);
                cluster.Web.Add(new WebAgent(i, name, appPort, dataDir, process));
            }

            await cluster.WaitOnlineAsync(webHosts + 1, TimeSpan.FromSeconds(90), ct).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs akdctl as a user does; its JSON output is one deployment event per line.</summary>
    public Task<CommandResult> AkdctlAsync(string cwd, CancellationToken ct, params string[] args) =>
        Command.RunAsync("dotnet", [Programs.Repo.Cli, "--coordinator", Url, "--ca-file", CaFile, "--token-file", AdminTokenFile, .. args], ct, cwd: cwd, timeout: TimeSpan.FromMinutes(10), check: false);

    /// <summary>Where the coordinator stores the release artifact a deployment built.</summary>
    public async Task<string> ArtifactPathAsync(string deploymentId, CancellationToken ct)
    {
        var deployment = await new Control.ControlClient(_channel!.Invoker).GetDeploymentAsync(new GetDeploymentRequest { Id = deploymentId }, cancellationToken: ct).ConfigureAwait(false);
        var sha = deployment.ArtifactSha256;
        return Path.Combine(Root, "coordinator", "artifacts", "sha256", sha[..2], sha);
    }

    /// <summary>Empties the agents' download caches so every deploy moves its artifact.</summary>
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

    /// <summary>CPU the web agents' own processes have used so far (not the apps they run).</summary>
    public TimeSpan WebAgentsCpu() => Web.Aggregate(TimeSpan.Zero, (sum, w) => sum + ProcStats.CpuTime(w.Process.Pid));

    public string Logs() => string.Join("\n", _processes.Select(p => $"===== {p.Name} =====\n{p.Output}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var web in Web)
        {
            StopReleases(web.DataDir);
        }

        foreach (var process in _processes)
        {
            process.Dispose();
        }

        _channel?.Dispose();
        if (!_epmdWasRunning && Process.GetProcessesByName("beam.smp").Length == 0)
        {
            // epmd is shared by every node on the machine: only stop it when we started it and no BEAM is left.
            foreach (var epmd in Process.GetProcessesByName("epmd"))
            {
                epmd.Kill();
                epmd.Dispose();
            }
        }

        await Task.Yield();
    }

    private async Task WaitOnlineAsync(int count, TimeSpan timeout, CancellationToken ct)
    {
        var control = new Control.ControlClient(_channel!.Invoker);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var agents = await control.ListAgentsAsync(new ListAgentsRequest(), cancellationToken: ct).ConfigureAwait(false);
            var online = agents.Agents.Count(a => a.State == "online" && a.Name.EndsWith(Suffix, StringComparison.Ordinal));
            if (online >= count)
            {
                return;
            }

            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"only {online} of {count} agents came online:\n{Logs()}");
            }

            await Task.Delay(200, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Kills the BEAM each agent recorded in <c>shared/.akd-run.json</c>.</summary>
    internal static void StopReleases(string dataDir)
    {
        var apps = Path.Combine(dataDir, "apps");
        if (!Directory.Exists(apps))
        {
            return;
        }

        foreach (var state in Directory.GetFiles(apps, ".akd-run.json", SearchOption.AllDirectories))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(state));
            if (doc.RootElement.TryGetProperty("Pid", out var pid) && pid.ValueKind == JsonValueKind.Number)
            {
                KillPid(pid.GetInt32());
            }
        }
    }

    internal static void KillPid(int pid)
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
        }
    }
}
