namespace Akd.Coordinator.Artifacts;

/// <summary>
/// One upload while it arrives, for cut-through: followers read the bytes the coordinator has written so
/// far and wait for more; the upload ends stored (with its verified digest) or failed.
/// </summary>
public sealed class LiveUpload
{
    private readonly object _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal LiveUpload(string id, long size, string deploymentId, IReadOnlySet<string> readers, string tempPath, Func<string, string> storedPath)
    {
        Id = id;
        Size = size;
        DeploymentId = deploymentId;
        Readers = readers;
        TempPath = tempPath;
        StoredPath = storedPath;
    }

    public string Id { get; }

    /// <summary>The size the uploader declared.</summary>
    public long Size { get; }

    public string DeploymentId { get; }

    /// <summary>The agents that may follow it: the targets of the deployment whose build uploads it.</summary>
    public IReadOnlySet<string> Readers { get; }

    /// <summary>Where the bytes are written until the upload is stored.</summary>
    public string TempPath { get; }

    /// <summary>Where a digest's artifact lives once stored.</summary>
    public Func<string, string> StoredPath { get; }

    /// <summary>Bytes written and flushed: a reader of <see cref="TempPath"/> finds at least these.</summary>
    public long Available { get; private set; }

    /// <summary>Set once the upload is verified and stored.</summary>
    public string? Sha256 { get; private set; }

    /// <summary>Set when the upload ended without being stored.</summary>
    public string? Failure { get; private set; }

    public bool Ended => Sha256 is not null || Failure is not null;

    public void Grew(long available) => Change(() => Available = available);

    public void Stored(string sha256) => Change(() => Sha256 = sha256);

    /// <summary>Ignored once stored: a stored upload stays readable.</summary>
    public void Failed(string reason) => Change(() => Failure ??= Sha256 is null ? reason : null);

    /// <summary>Completes when anything changes after the state the caller saw (more bytes, stored, failed).</summary>
    public Task ChangedAsync(long seenAvailable, CancellationToken ct)
    {
        lock (_gate)
        {
            return Available != seenAvailable || Ended ? Task.CompletedTask : _changed.Task.WaitAsync(ct);
        }
    }

    private void Change(Action change)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            change();
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}
