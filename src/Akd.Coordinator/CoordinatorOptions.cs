namespace Akd.Coordinator;

/// <summary>Every limit of the coordinator in one place. Bound from the "Coordinator" section and the command line.</summary>
public sealed class CoordinatorOptions
{
    /// <summary>SQLite database and artifact store live here (<c>--data-dir</c>).</summary>
    public string DataDir { get; set; } = "/var/lib/akd-coordinator";

    /// <summary>How often agents are asked to send a heartbeat.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest a build may run on the build agent.</summary>
    public TimeSpan BuildDeadline { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The longest one host may take to download, switch, restart and pass its health check.</summary>
    public TimeSpan ActivateDeadline { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Size of one artifact chunk on the wire. Kept under the 85,000-byte large-object threshold: bigger
    /// chunks land on the large object heap, on both ends, and cost full GCs (bench/, scenario 2).
    /// </summary>
    public int ArtifactChunkBytes { get; set; } = 64 * 1024;
}
