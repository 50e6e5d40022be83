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

    /// <summary>Starts an agent that enrolls with <paramref name="joinToken"/> (its labels come from the token); empty when it is enrolled already.</summary>
    public BenchProcess StartAgent(string url, string joinToken, string name, string dataDir, params string[] appEnv)
    {
        var args = new List<string> { "--coordinator", url, "--name", name, "--data-dir", dataDir };
        if (joinToken.Length > 0)
        {
            args.AddRange(["--join", joinToken]);
        }

        foreach (var env in appEnv)
        {
            args.AddRange(["--app-env", env]);
        }

        // A short reconnect ceiling: agents start while the coordinator may still be warming up.
        return BenchProcess.Start(name, AgentProgram, args, new Dictionary<string, string> { ["Agent__ReconnectMaxDelay"] = "00:00:02" });
    }
}
