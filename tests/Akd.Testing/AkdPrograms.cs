namespace Akd.Testing;

/// <summary>The built coordinator, agent and akdctl of one configuration, started the way an operator does, with the documented flags.</summary>
/// <param name="agentBinary">A NativeAOT agent to run instead of the framework-dependent build (bench/run.sh publishes one).</param>
public sealed class AkdPrograms(string repoRoot, string configuration, string? agentBinary = null)
{
    /// <summary>The programs built with the same configuration as the assembly that asks.</summary>
    public static AkdPrograms Current { get; } = new(RepoRoot.Path, RepoRoot.Configuration);

    public string Coordinator => Program("Akd.Coordinator", "akd-coordinator");

    /// <summary>The framework-dependent agent build.</summary>
    public string Agent => Program("Akd.Agent", "akd-agent");

    public string Cli => Program("Akd.Cli", "akdctl");

    /// <summary>The agent that <see cref="StartAgent"/> runs: the NativeAOT one when given, else <see cref="Agent"/>.</summary>
    public string AgentProgram => agentBinary ?? Agent;

    public bool AgentIsNative => agentBinary is not null;

    public string Program(string project, string assembly) =>
        Path.Combine(repoRoot, "src", project, "bin", configuration, "net10.0", assembly + ".dll");

    public void CheckBuilt()
    {
        foreach (var program in new[] { Coordinator, Agent, Cli })
        {
            if (!File.Exists(program))
            {
                throw new InvalidOperationException($"{program} is missing: build {configuration} first");
            }
        }
    }

    public ManagedProcess StartCoordinator(string url, string dataDir, IReadOnlyDictionary<string, string>? env = null, IEnumerable<string>? extraArgs = null) =>
        ManagedProcess.Start("coordinator", Coordinator, ["--urls", url, "--data-dir", dataDir, .. extraArgs ?? []], env);

    /// <summary>
    /// Starts <c>akd-agent</c>; with <paramref name="join"/> it enrolls first (its labels come from the token),
    /// without one it uses the identity already in <paramref name="dataDir"/>; <paramref name="joinFile"/> gives the
    /// token as <c>--join-file</c> instead.
    /// </summary>
    /// <param name="wrapper">A command the agent runs under (<see cref="ManagedProcess.Start"/>), e.g. setpriv to run it as another user.</param>
    public ManagedProcess StartAgent(
        string url, string name, string dataDir, string? join = null, IReadOnlyDictionary<string, string>? env = null,
        string? configFile = null, IEnumerable<string>? appEnv = null, string? joinFile = null, IReadOnlyList<string>? wrapper = null)
    {
        var args = new List<string> { "--coordinator", url, "--name", name, "--data-dir", dataDir };
        if (join is not null)
        {
            args.AddRange(["--join", join]);
        }

        if (joinFile is not null)
        {
            args.AddRange(["--join-file", joinFile]);
        }

        if (configFile is not null)
        {
            args.AddRange(["--config", configFile]);
        }

        foreach (var pair in appEnv ?? [])
        {
            args.AddRange(["--app-env", pair]);
        }

        // A short reconnect ceiling: agents start while the coordinator may still be warming up, or restart with it.
        var processEnv = new Dictionary<string, string>(env ?? new Dictionary<string, string>()) { ["AKD_Agent__ReconnectMaxDelay"] = "00:00:02" };

        // Per-app users are the agent's default, so the fleets use them too wherever the agent can switch users
        // (as root, which CI is); a test may still pass AKD_Agent__AppUsers=false to see the agent's own-user mode.
        return ManagedProcess.Start(name, AgentProgram, args, processEnv, wrapper);
    }
}
