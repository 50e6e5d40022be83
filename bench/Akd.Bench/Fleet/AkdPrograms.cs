using Akd.Bench.Infra;

namespace Akd.Bench.Fleet;

/// <summary>Starts the real coordinator and agents the way an operator does, with the documented flags.</summary>
public sealed class AkdPrograms(RepoLayout repo, string? agentBinary)
{
    public RepoLayout Repo => repo;

    /// <summary>The NativeAOT agent when one was published, else the framework-dependent build.</summary>
    public string AgentProgram => agentBinary ?? repo.Agent;

    public bool AgentIsNative => agentBinary is not null;

    public BenchProcess StartCoordinator(string url, string dataDir) =>
        BenchProcess.Start("coordinator", repo.Coordinator, ["--urls", url, "--data-dir", dataDir]);

    /// <summary>The CA certificate a coordinator started with <paramref name="coordinatorDataDir"/> writes on its first start.</summary>
    public static string CaFileOf(string coordinatorDataDir) => Path.Combine(coordinatorDataDir, "pki", "ca.crt");

    public BenchProcess StartAgent(string url, string caFile, string name, string labels, string dataDir, params string[] appEnv)
    {
        var args = new List<string> { "--coordinator", url, "--ca-file", caFile, "--name", name, "--labels", labels, "--data-dir", dataDir };
        foreach (var env in appEnv)
        {
            args.AddRange(["--app-env", env]);
        }

        // A short reconnect ceiling: agents start while the coordinator may still be warming up.
        return BenchProcess.Start(name, AgentProgram, args, new Dictionary<string, string> { ["Agent__ReconnectMaxDelay"] = "00:00:02" });
    }
}
