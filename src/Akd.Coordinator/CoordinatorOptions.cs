namespace Akd.Coordinator;

/// <summary>Every limit of the coordinator in one place. Bound from the "Coordinator" section and the command line.</summary>
public sealed class CoordinatorOptions
{
    /// <summary>SQLite database and artifact store live here (<c>--data-dir</c>).</summary>
    public string DataDir { get; set; } = "/var/lib/akd-coordinator";

    /// <summary>
    /// This coordinator's id among the replicas sharing one database (<c>--replica-id</c>). Empty: generated on the
    /// first start and kept in <c>&lt;data-dir&gt;/replica.id</c>. 1 to 64 letters, digits, '.', '_' or '-'.
    /// </summary>
    public string ReplicaId { get; set; } = "";

    /// <summary>How often this replica records in the store that it is alive (and looks for replicas that died).</summary>
    public TimeSpan ReplicaHeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A replica not heard of for this long is dead: the agents it held count as offline, and its unfinished
    /// deployments may be taken by a replica that starts. Several heartbeats long, so a slow store is not a death.
    /// </summary>
    public TimeSpan ReplicaTimeout { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// On a store replicas share (PostgreSQL), how often a watcher of a deployment (<c>akdctl deploy</c>, <c>logs -f</c>)
    /// reads the store for events another replica stored; its own replica's events reach it at once.
    /// </summary>
    public TimeSpan EventPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// On PostgreSQL, how often a replica looks for messages routed to it (steps for its agents, their results for its
    /// deployments) besides being woken by <c>NOTIFY</c>: a notification sent while its listener reconnected is not lost.
    /// </summary>
    public TimeSpan RoutePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The most routed messages one write or one read of the routes table carries. Messages sent while a write is in
    /// flight go together in the next (one multi-row insert, one <c>NOTIFY</c> per recipient replica); a replica drains
    /// its mailbox this many at a time, oldest first.
    /// </summary>
    public int RouteBatchMax { get; set; } = 1000;

    /// <summary>
    /// On PostgreSQL, how far back each sync of enrolled agents and operator tokens re-reads changes made through other
    /// replicas (it reads only rows changed since its last read, less this): covers a write that commits a little after
    /// it was stamped, and replica clocks that differ by up to this much.
    /// </summary>
    public TimeSpan IdentitySyncLookback { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often agents are asked to send a heartbeat.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest a build may run on the build agent.</summary>
    public TimeSpan BuildDeadline { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The longest one host may take to download, switch, restart and pass its health check.</summary>
    public TimeSpan ActivateDeadline { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a step waits for an agent that disconnected in the middle of it to come back before the
    /// step fails and its host counts as failed (the step's own deadline applies as well).
    /// </summary>
    public TimeSpan AgentLostGrace { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// After a restart, how long an interrupted deployment waits for its hosts to reconnect and deliver
    /// the results of the steps they ran meanwhile, before it resumes or ends with what is known.
    /// </summary>
    public TimeSpan ReconcileWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often an interrupted deployment looks again whether its hosts are back and their results in.</summary>
    public TimeSpan ReconcilePoll { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Artifacts (source archives and release tarballs) of this many newest deploys per app and
    /// environment (a running one counts), and of every running deployment, are kept; older ones are
    /// deleted from the store (hosts keep their own releases, so rollbacks do not need them).
    /// </summary>
    public int KeepArtifactsPerApp { get; set; } = 5;

    /// <summary>An artifact younger than this is never collected: its deployment may not be recorded yet.</summary>
    public TimeSpan ArtifactGrace { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the artifact store is swept (also once at start-up).</summary>
    public TimeSpan ArtifactCollectionInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The largest artifact (source archive or release) an upload may declare; bigger ones are refused
    /// before a byte is written. Releases with ERTS are tens of MiB; Phoenix apps with assets a few hundred.
    /// </summary>
    public long MaxArtifactBytes { get; set; } = 4L * 1024 * 1024 * 1024;

    /// <summary>
    /// A partial upload in <c>artifacts/tmp</c> older than this belongs to an upload that died with its
    /// process (a live upload keeps writing, so its file stays young); swept with the artifact store.
    /// </summary>
    public TimeSpan PartialUploadMaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Cut-through: how long a build's upload stays readable by its id (Artifacts.Follow) after it ended, for
    /// a target that was told of it late. Its bytes stay in the store as any artifact's.
    /// </summary>
    public TimeSpan LiveUploadRetention { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Peer-to-peer delivery: the size of one piece of an artifact; each has its own SHA-256 in the piece manifest.</summary>
    public int PieceBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Peer-to-peer: a piece the tracker told one downloader to fetch from the coordinator is not given to
    /// another for this long, unless that downloader announces it or goes offline first.
    /// </summary>
    public TimeSpan PieceClaimTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Peer-to-peer: at most this many pieces one downloader is told to fetch from the coordinator at once.</summary>
    public int PieceClaimsPerDownloader { get; set; } = 4;

    /// <summary>Peer-to-peer: how long a grant to read an artifact from peers is valid; a downloader asks the tracker for a new one often.</summary>
    public TimeSpan PeerGrantLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Deployments that ended longer ago than this are deleted with their events; each app and
    /// environment keeps its last successful deploy, whatever its age.
    /// </summary>
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How often old history is deleted (also once at start-up).</summary>
    public TimeSpan HistorySweepInterval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>
    /// How long a stopping coordinator (SIGTERM) waits for calls in flight before it aborts them. Agent
    /// streams are closed at once, so they reconnect instead of holding the shutdown (and the port) open.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>
    /// A deploy lock whose deployment is not stored this long after it was taken belongs to a coordinator
    /// that died in between, and is taken over. Younger, it belongs to a coordinator (maybe another replica)
    /// that is storing the deployment right now.
    /// </summary>
    public TimeSpan DeployLockClaimGrace { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How much longer than a step's own deadline the coordinator waits for its result: the agent times the step out
    /// itself and reports why, so the coordinator's timeout ("no result") only speaks for an agent that went silent.
    /// </summary>
    public TimeSpan StepResultMargin { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long <c>akdctl agents ping</c> waits for the agents' replies when the request names no timeout.</summary>
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>HTTP/2 keep-alive pings on every connection, so a dead agent connection is noticed even when no message flows.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a keep-alive ping may go unanswered before the connection is dropped.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The thread pool's minimum of worker threads (0 keeps .NET's, one per core). A TLS handshake checks the client's
    /// certificate chain synchronously, under OpenSSL store locks; when a replica dies and its thousands of agents dial
    /// this one at once, those checks held every pool thread and .NET added threads one every few seconds (a failover
    /// trace of replica a: new workers at 4.6, 8.5, 11.1, 17.0 s, handshakes completing in bursts between).
    /// </summary>
    public int MinWorkerThreads { get; set; } = 64;

    /// <summary>
    /// The listen backlog of the coordinator's sockets: connections the kernel completed that Kestrel has not accepted yet
    /// (the kernel caps it at net.core.somaxconn). Kestrel's 512 overflowed when a replica died and its thousands of agents
    /// dialled this one within a second: the kernel dropped their SYNs and each waited out a 1 s, then 3 s retransmit.
    /// </summary>
    public int ListenBacklog { get; set; } = 4096;

    /// <summary>
    /// How long a connection's TLS handshake may take before Kestrel drops it (Kestrel's default is 10 s). As long as the
    /// agents' own handshake timeout (Akd.Client's Reconnects.HandshakeTimeout): when a replica dies, this one takes its
    /// agents' handshakes all at once, each takes longer, and dropping them at 10 s meant none finished.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The largest gRPC message the coordinator accepts. Artifacts travel in chunks of <see cref="ArtifactChunkBytes"/>,
    /// manifests are refused above 256 KiB, so 4 MiB leaves room for a deploy request with a large source list and
    /// still bounds what one call can make the coordinator buffer.
    /// </summary>
    public int MaxReceiveMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How many deployments <c>akdctl deployments</c> lists when it asks for no number.</summary>
    public int DeploymentListLimit { get; set; } = 20;

    /// <summary>
    /// HTTP/2 flow-control window of one request stream: how much of an upload a client may send before the coordinator
    /// has read it. Kestrel's 96 KiB default makes an uploading agent wait for a window update every 96 KiB, which on a
    /// TLS connection caps an artifact upload well below what disk and hashing allow (bench/, scenario 2).
    /// </summary>
    public int Http2StreamWindowBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>HTTP/2 flow-control window of one connection, shared by its streams (Kestrel's default: 128 KiB).</summary>
    public int Http2ConnectionWindowBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// How much of a response the coordinator may queue ahead of the network (Kestrel's MaxResponseBufferSize, default
    /// 64 KiB). At the default every 64 KiB chunk of an artifact download waits until the one before it has been framed and
    /// encrypted; with room for several chunks, reading the file and sending overlap. Only a stream whose reader falls
    /// behind ever holds this much.
    /// </summary>
    public int ResponseBufferBytes { get; set; } = 1024 * 1024;

    /// <summary>The longest an agent may take to answer a query such as <c>akdctl releases</c>.</summary>
    public TimeSpan QueryDeadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Size of one artifact chunk on the wire. Kept under the 85,000-byte large-object threshold: bigger
    /// chunks land on the large object heap, on both ends, and cost full GCs (bench/, scenario 2).
    /// </summary>
    public int ArtifactChunkBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// On PostgreSQL (<c>--postgres</c>): the size of one row of <c>artifact_chunks</c>, where every artifact is kept
    /// so that every replica serves it. A MiB keeps a 256 MiB release at 256 rows, each well under PostgreSQL's
    /// 1 GB field limit and cheap to buffer; a row is read whole, so it is also the memory one transfer holds.
    /// </summary>
    public int SharedArtifactChunkBytes { get; set; } = 1024 * 1024;
}
