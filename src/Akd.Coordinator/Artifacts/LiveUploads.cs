using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Artifacts;

/// <summary>
/// Cut-through delivery: while a deployment's build runs, its targets are expected; when the build agent
/// starts uploading, the upload becomes a <see cref="LiveUpload"/> its targets may follow
/// (<see cref="LiveUploadReader"/>). Ended uploads are kept for <see cref="CoordinatorOptions.LiveUploadRetention"/>,
/// so a target that was announced late can still read them.
/// </summary>
public sealed class LiveUploads(IOptions<CoordinatorOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, LiveUpload> _uploads = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Expected, byte> _expected = new();

    private sealed record Expected(string BuildAgent, string DeploymentId, IReadOnlySet<string> Targets);

    /// <summary>A build of <paramref name="deploymentId"/> runs on <paramref name="buildAgent"/> until the result is disposed.</summary>
    public IDisposable ExpectBuild(string buildAgent, string deploymentId, IEnumerable<string> targets)
    {
        var expected = new Expected(buildAgent, deploymentId, targets.ToHashSet(StringComparer.Ordinal));
        _expected[expected] = 0;
        return new Forget(() => _expected.TryRemove(expected, out _));
    }

    /// <summary>
    /// The live upload of the build <paramref name="agent"/> runs, or null when it runs none this knows of or
    /// several (which build the upload belongs to would be a guess: no cut-through then).
    /// </summary>
    public LiveUpload? Begin(string agent, long size, string tempPath, Func<string, string> storedPath)
    {
        var builds = _expected.Keys.Where(e => e.BuildAgent == agent).Take(2).ToList();
        if (builds.Count != 1)
        {
            return null;
        }

        var upload = new LiveUpload(Guid.NewGuid().ToString("N"), size, builds[0].DeploymentId, builds[0].Targets, tempPath, storedPath);
        _uploads[upload.Id] = upload;
        return upload;
    }

    public LiveUpload? Find(string id) => _uploads.GetValueOrDefault(id);

    /// <summary>The upload ended (its state says how): it is forgotten after the retention.</summary>
    public void Ended(LiveUpload upload) =>
        _ = Task.Delay(options.Value.LiveUploadRetention, clock).ContinueWith(_ => _uploads.TryRemove(upload.Id, out LiveUpload? _), TaskScheduler.Default);

    private sealed class Forget(Action forget) : IDisposable
    {
        public void Dispose() => forget();
    }
}
