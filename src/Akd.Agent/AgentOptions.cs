using Akd.Client.Channels;

namespace Akd.Agent;

/// <summary>
/// The agent's settings, from the "Agent" config section, <c>/etc/akd/agent.json</c>, AKD_AGENT_* env vars
/// and the command line. Every connection timeout and retry limit lives here.
/// </summary>
public sealed class AgentOptions
{
    /// <summary>
    /// Coordinator URL (<c>--coordinator</c>), or several replicas' separated by commas
    /// (<c>https://c1:7400,https://c2:7400</c>); a name with several addresses also reaches any of them.
    /// </summary>
    public string Coordinator { get; set; } = "https://127.0.0.1:7400";

    /// <summary>
    /// The join token for the first start (<c>--join</c>, <c>AKD_JOIN_TOKEN</c> or <c>Agent:Join</c>): it pins the
    /// coordinator's CA and buys one client certificate. Ignored once <c>&lt;data-dir&gt;/identity/</c> holds one.
    /// </summary>
    public string Join { get; set; } = "";

    /// <summary>
    /// The join token's file (<c>--join-file</c>, <c>Agent:JoinFile</c>; <c>-</c>: standard input), read from its first
    /// line on the first start only: unlike <c>--join</c>, it keeps the token out of the process list. Not together with <see cref="Join"/>.
    /// </summary>
    public string JoinFile { get; set; } = "";

    /// <summary>
    /// Peer-to-peer delivery (<c>--peer-port</c>): the TCP port this agent serves the pieces of artifacts it holds on,
    /// to peers of its peer network (the enrollment label <c>peer-network</c>), over mutual TLS. 0 (the default):
    /// no port is opened and downloads come from the coordinator alone.
    /// </summary>
    public int PeerPort { get; set; }

    /// <summary>
    /// Cut-through: fetch a release while the build still uploads it, when the coordinator announces it (<c>Agent:Prefetch</c>).
    /// Off: the release is downloaded when the host's activation starts. Agents with a peer port never prefetch.
    /// </summary>
    public bool Prefetch { get; set; } = true;

    /// <summary>The host or address peers dial for <see cref="PeerPort"/> (<c>--peer-host</c>); empty: the address the coordinator sees.</summary>
    public string PeerHost { get; set; } = "";

    /// <summary>The address the peer port listens on.</summary>
    public string PeerListenAddress { get; set; } = "0.0.0.0";

    /// <summary>Peer-to-peer: connecting to a peer and its TLS handshake must end within this.</summary>
    public TimeSpan PeerConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Peer-to-peer: one piece from a peer must arrive within this, or the peer is given up for the download.</summary>
    public TimeSpan PeerPieceTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Peer-to-peer: pieces fetched from peers at once by one download (the coordinator's share comes on top, as the tracker hands it out).</summary>
    public int PeerParallelPieces { get; set; } = 4;

    /// <summary>Peer-to-peer: pieces fetched at once from one peer by one download, each on its own reused connection.</summary>
    public int PeerPiecesPerPeer { get; set; } = 2;

    /// <summary>
    /// Peer-to-peer: how soon a download with nothing to fetch asks the tracker again; the pause doubles while there is
    /// still nothing, up to <see cref="PeerPollInterval"/>.
    /// </summary>
    public TimeSpan PeerPollFirst { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Peer-to-peer: the longest a download waits before asking the tracker again which peers hold which pieces.</summary>
    public TimeSpan PeerPollInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Peer-to-peer: connections open at once on the peer port; more wait for a free slot. A downloader keeps up to
    /// <see cref="PeerPiecesPerPeer"/> open to this agent for as long as its download runs.
    /// </summary>
    public int PeerMaxConnections { get; set; } = 128;

    /// <summary>Peer-to-peer: pieces this agent reads and sends at once (each is a piece's worth of memory); more requests wait.</summary>
    public int PeerMaxServing { get; set; } = 8;

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

    /// <summary>
    /// Build secrets and settings for mix on this build host (<c>Agent:BuildEnv</c>, or <c>Agent:build_env</c>,
    /// in the config file): e.g. <c>HEX_ORGANIZATION_KEY</c>, <c>HEX_MIRROR</c>, <c>GIT_SSH_COMMAND</c>. Given only to
    /// <c>mix deps.get</c>, <c>mix compile</c> and <c>mix release</c> (and to <c>mix local.hex</c>/<c>local.rebar</c>),
    /// never to hooks or apps; their values are masked in the build log and never leave this host.
    /// Not a command-line flag: arguments are visible to every user of the machine.
    /// </summary>
    public Dictionary<string, string> BuildEnv { get; set; } = new(StringComparer.Ordinal);

    /// <summary>First delay before reconnecting; doubles with jitter up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectBaseDelay { get; set; } = Reconnects.BaseDelay;

    /// <summary>The longest pause between reconnect attempts.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = Reconnects.MaxDelay;

    /// <summary>
    /// After a session that was up ends, the agent redials after a random pause between a fifth of this and this
    /// (then the reconnect backoff starts over), so agents dropped together do not all redial at once.
    /// </summary>
    public TimeSpan SessionEndPause { get; set; } = Reconnects.SessionEndPause;

    /// <summary>Used until the coordinator's welcome says otherwise.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The TCP connect to the coordinator (the join's fetch of its CA: the whole connect) must end within this.</summary>
    public TimeSpan ConnectTimeout { get; set; } = Reconnects.ConnectTimeout;

    /// <summary>
    /// The TCP connect plus TLS handshake to the coordinator must end within this: a coordinator that answered but is busy
    /// (a survivor taking a dead replica's agents) gets time to finish handshakes (<see cref="Reconnects.HandshakeTimeout"/>).
    /// </summary>
    public TimeSpan HandshakeTimeout { get; set; } = Reconnects.HandshakeTimeout;

    /// <summary>HTTP/2 keep-alive pings detect a dead coordinator connection when nothing flows.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a keep-alive ping may go unanswered before the connection is dropped and redialled.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Attempts for one artifact download or upload before the step fails; downloads resume where they stopped.</summary>
    public int ArtifactTransferAttempts { get; set; } = 5;

    /// <summary>
    /// Size of one uploaded chunk. Kept under the 85,000-byte large-object threshold: bigger chunks land
    /// on the large object heap and a 512 MiB transfer then costs about 150 full GCs (bench/, scenario 2).
    /// </summary>
    public int ArtifactChunkBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// How long a release gets to stop after SIGTERM before <c>bin/APP stop</c> is tried, and again after that
    /// before SIGKILL. Also how long a <c>command</c> app's process group gets after SIGTERM.
    /// </summary>
    public TimeSpan StopGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>After SIGKILL, how long the agent waits to see an app's VM (or process group) gone before it goes on.</summary>
    public TimeSpan KillWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a release's start command may run: <c>bin/APP daemon</c> (or distillery's <c>start</c>) returns once
    /// the VM is launched, which on a busy host takes a few seconds.
    /// </summary>
    public TimeSpan AppStartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a short command about a running app may take: a release script's <c>pid</c>, <c>ping</c> and <c>stop</c>
    /// (each boots a VM of its own), a detached app's launcher, release_handler's <c>remove_release</c> after a failed hot upgrade.
    /// </summary>
    public TimeSpan AppCommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a detached app's launcher gets to write the app's pid to <c>shared/app.pid</c>.</summary>
    public TimeSpan AppPidFileTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// After <c>bin/APP daemon</c>, the new VM is looked for in /proc alone for this long before <c>bin/APP pid</c> may
    /// ask it: the script boots a second VM, which would slow the new one's boot (mix releases).
    /// </summary>
    public TimeSpan QuietPidLookupWindow { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one <c>systemd-run</c> or <c>systemctl</c> call may take (a stop gets <see cref="StopGracePeriod"/> more).</summary>
    public TimeSpan SystemctlTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long putting a host back on its previous release may take after its step was cancelled or passed its deadline.</summary>
    public TimeSpan RollbackBudget { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Hot upgrades: how much longer than erl_call's own <c>-timeout</c> the agent waits for it to end.</summary>
    public TimeSpan ErlCallMargin { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Hot upgrades: the time <c>bin/APP rpc</c> and distillery's <c>bin/APP upgrade</c> get on top of the call itself,
    /// to boot the VM they talk to the node from.
    /// </summary>
    public TimeSpan ReleaseRpcBootTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long each git command of a <c>source.git</c> checkout (fetch, checkout, clean) may take.</summary>
    public TimeSpan GitTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a quick local command may take: <c>getent</c> and <c>useradd</c> for app users, <c>git rev-parse</c>.</summary>
    public TimeSpan LocalCommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long each toolchain probe (<c>elixir --version</c>, <c>mix --version</c>, ...) may take: each boots a VM, which on
    /// a busy host takes seconds, and a probe cut short would report the tool missing. Also <c>asdf plugin list</c>
    /// before a build with <c>build.toolchain: asdf</c>.
    /// </summary>
    public TimeSpan ToolchainProbeTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a hook's <c>ensure</c> and <c>rollback</c> commands get, all together, after the step they clean up
    /// after was cancelled or passed its deadline (each command is still bounded by the step's command timeout).
    /// </summary>
    public TimeSpan HookCleanupTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long the enrollment call may take once connected (the join token and a CSR traded for a certificate);
    /// a hung coordinator must not hang the first start. Passed that, the enrollment is retried like an unreachable coordinator.
    /// </summary>
    public TimeSpan EnrollTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Run each app as a Unix user of its own (<c>deploy.user</c>, default one per app and deploy path) where the
    /// agent can: as root, or with CAP_SETUID, CAP_SETGID, CAP_CHOWN and CAP_KILL (<c>--app-users false</c> turns it off,
    /// and the agent says so). Without those rights apps run as the agent's user, and the agent says that too.
    /// </summary>
    public bool AppUsers { get; set; } = true;

    /// <summary>
    /// How releases run (<c>--app-runner</c>): <c>auto</c> (default) runs each as a transient systemd unit where systemd
    /// is PID 1 and as a detached process elsewhere; <c>systemd</c> or <c>detached</c> force one.
    /// </summary>
    public string AppRunner { get; set; } = "auto";

    /// <summary>
    /// The socket of the packaged root helper (<c>akd-app-user.socket</c>, group akd) that makes a missing app user
    /// for an agent that is not root: <c>useradd</c> needs root. Used only when the agent is not root and the socket
    /// exists; as root the agent runs <c>useradd</c> itself.
    /// </summary>
    public string AppUserSocket { get; set; } = "/run/akd-app-user.sock";

    /// <summary>
    /// An artifact or source archive may unpack to at most this many times its own size (at least
    /// 64 MiB), so a small upload cannot fill the host's disk.
    /// </summary>
    public int MaxUnpackRatio { get; set; } = Akd.Core.Archives.ExtractionLimits.DefaultRatio;

    /// <summary>Entries (files, directories, links) one archive may hold.</summary>
    public int MaxUnpackEntries { get; set; } = Akd.Core.Archives.ExtractionLimits.DefaultMaxEntries;

    /// <summary>The agent's artifact cache is pruned, least recently used first, down to this size.</summary>
    public long ArtifactCacheMaxBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>A partial download untouched this long belongs to a transfer that will not resume: deleted.</summary>
    public TimeSpan ArtifactCachePartialMaxAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the artifact cache is pruned (also at start-up).</summary>
    public TimeSpan ArtifactCacheSweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The unpack limits for an archive file of <paramref name="archiveBytes"/> bytes.</summary>
    public Akd.Core.Archives.ExtractionLimits UnpackLimits(long archiveBytes) =>
        Akd.Core.Archives.ExtractionLimits.ForArchive(archiveBytes, MaxUnpackRatio, MaxUnpackEntries);

    /// <summary>
    /// Serve Prometheus metrics on <c>http://127.0.0.1:PORT/metrics</c> (<c>--metrics-port</c>); 0, the default,
    /// serves none. Loopback only: the agent opens no port to the network.
    /// </summary>
    public int MetricsPort { get; set; }
}

public sealed class AppOverrides
{
    public Dictionary<string, string> Env { get; set; } = new(StringComparer.Ordinal);
}
