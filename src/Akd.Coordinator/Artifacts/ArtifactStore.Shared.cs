using System.Collections.Concurrent;
using System.Security.Cryptography;
using Akd.Coordinator.Storage;

namespace Akd.Coordinator.Artifacts;

/// <summary>
/// Replicas on PostgreSQL: an upload is stored in the database too before the uploader gets its reference, and a
/// replica that lacks a file fetches it from the database on first use (verified, then kept as its own copy).
/// </summary>
public sealed partial class ArtifactStore
{
    private readonly ArtifactChunkStore? _shared;
    private readonly ConcurrentDictionary<string, Lazy<Task<bool>>> _fetches = new(StringComparer.Ordinal);

    /// <summary>True when replicas share artifacts through the database.</summary>
    public bool IsShared => _shared is not null;

    /// <summary>The size of a stored artifact, here or on any replica; null when none stores it.</summary>
    public async Task<long?> SizeOfAsync(string sha256, CancellationToken ct) =>
        SizeOf(sha256) ?? (_shared is null ? null : await _shared.SizeOfAsync(sha256, ct).ConfigureAwait(false));

    /// <summary>
    /// The file of a stored artifact on this replica, fetched from the shared store on a miss (once, however many
    /// callers ask at once); null when no replica stores it.
    /// </summary>
    public async Task<string?> LocalPathAsync(string sha256, CancellationToken ct)
    {
        var path = PathFor(sha256);
        if (File.Exists(path) || _shared is null)
        {
            return File.Exists(path) ? path : null;
        }

        // Not cancelled by the caller that started it: others may wait on the same fetch.
        var fetch = _fetches.GetOrAdd(sha256, sha => new Lazy<Task<bool>>(() => FetchAsync(sha, CancellationToken.None)));
        try
        {
            return await fetch.Value.WaitAsync(ct).ConfigureAwait(false) ? path : null;
        }
        finally
        {
            if (fetch.Value.IsCompleted)
            {
                _fetches.TryRemove(new KeyValuePair<string, Lazy<Task<bool>>>(sha256, fetch));
            }
        }
    }

    /// <summary>After an upload is committed here: into the shared store, so that every replica can serve it.</summary>
    public async Task PublishAsync(string sha256, CancellationToken ct)
    {
        if (_shared is not null)
        {
            await _shared.PutAsync(sha256, PathFor(sha256), ct).ConfigureAwait(false);
        }
    }

    /// <summary>Every artifact in the shared store (none without one): its digest, size and when it was stored.</summary>
    public async Task<List<(string Sha256, long Size, DateTimeOffset StoredAt)>> ListSharedAsync(CancellationToken ct) =>
        _shared is null ? [] : await _shared.ListAsync(ct).ConfigureAwait(false);

    /// <summary>Removes an artifact from the shared store; replicas' own copies go with their next sweep.</summary>
    public async Task DeleteSharedAsync(string sha256, CancellationToken ct)
    {
        if (_shared is not null)
        {
            await _shared.DeleteAsync(sha256, ct).ConfigureAwait(false);
        }
    }

    private async Task<bool> FetchAsync(string sha256, CancellationToken ct)
    {
        var temp = Path.Combine(_root, "tmp", $"fetch.{Guid.NewGuid():N}.part");
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            bool found;
            await using (file.ConfigureAwait(false))
            {
                found = await _shared!.ReadAsync(sha256, async (data, token) =>
                {
                    hash.AppendData(data.Span);
                    await file.WriteAsync(data, token).ConfigureAwait(false);
                }, ct).ConfigureAwait(false);
            }

            if (!found)
            {
                return false;
            }

            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (actual != sha256)
            {
                throw new InvalidDataException($"the shared store's copy of {sha256} hashes to {actual}");
            }

            var target = PathFor(sha256);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(temp, target, overwrite: true);
            return true;
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
