namespace Akd.Agent;

/// <summary>
/// The agent's settings, from the "Agent" config section, <c>/etc/akd/agent.json</c>, AKD_AGENT_* env vars
/// and the command line. Every connection timeout and retry limit lives here.
/// </summary>
public sealed class AgentOptions
{
    /// <summary>Coordinator URL (<c>--coordinator</c>).</summary>
    public string Coordinator { get; set; } = "https://127.0.0.1:7400";

    /// <summary>
    /// The join token for the first start (<c>--join</c>, <c>AKD_JOIN_TOKEN</c> or <c>Agent:Join</c>): it pins the
    /// coordinator's CA and buys one client certificate. Ignored once <c>&lt;data-dir&gt;/identity/</c> holds one.
    /// </summary>
    public string Join { get; set; } = "";

    /// <summary>The share of its lifetime after which the agent renews its certificate over its stream.</summary>
    public double RenewAt { get; set; } = 2.0 / 3.0;

    /// <summary>Unique agent name (<c>--name</c>); defaults to the host name.</summary>
    public string Name { get; set; } = Environment.MachineName;

    /// <summary>Releases, build workspaces and the artifact cache live here (<c>--data-dir</c>).</summary>
    public string DataDir { get; set; } = "/var/lib/akd-agent";

    /// <summary>Env for every app on this host, overriding the manifest's <c>deploy.env</c> (<c>--app-env KEY=VALUE</c>).</summary>
    public Dictionary<string, string> AppEnv { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Per-app settings; their env overrides <see cref="AppEnv"/>. Secrets belong here, not in akd.yaml.</summary>
    public Dictionary<string, AppOverrides> Apps { get; set; } = new(StringComparer.Ordinal);

    /// <summary>First delay before reconnecting; doubles with jitter up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Used until the coordinator's welcome says otherwise.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>HTTP/2 keep-alive pings detect a dead coordinator connection when nothing flows.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Attempts for one artifact download or upload before the step fails; downloads resume where they stopped.</summary>
    public int ArtifactTransferAttempts { get; set; } = 5;

    /// <summary>
    /// Size of one uploaded chunk. Kept under the 85,000-byte large-object threshold: bigger chunks land
    /// on the large object heap and a 512 MiB transfer then costs about 150 full GCs (bench/, scenario 2).
    /// </summary>
    public int ArtifactChunkBytes { get; set; } = 64 * 1024;

    /// <summary>How long a release gets to stop after <c>bin/APP stop</c> before it is sent SIGTERM, then SIGKILL.</summary>
    public TimeSpan StopGracePeriod { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class AppOverrides
{
    public Dictionary<string, string> Env { get; set; } = new(StringComparer.Ordinal);
}
