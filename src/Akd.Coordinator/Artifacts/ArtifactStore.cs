using System.Security.Cryptography;
using Akd.Coordinator.Storage;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Artifacts;

/// <summary>
/// Content-addressed artifact files: <c>artifacts/sha256/ab/abcdef...</c> under the data dir.
/// An upload is written to a temp file, hashed while it streams, and moved into place only
/// when its size and digest match what the uploader declared. On PostgreSQL the files are this replica's copies
/// of what every replica shares (<see cref="ArtifactChunkStore"/>; ArtifactStore.Shared.cs).
/// </summary>
public sealed partial class ArtifactStore
{
    private readonly string _root;

    /// <param name="shared">Where replicas share artifacts (PostgreSQL); null: this coordinator's files are all there is.</param>
    public ArtifactStore(IOptions<CoordinatorOptions> options, ArtifactChunkStore? shared = null)
    {
        _shared = shared;
        _root = Path.Combine(options.Value.DataDir, "artifacts");
        Directory.CreateDirectory(Path.Combine(_root, "tmp"));
    }

    public static bool IsValidDigest(string sha256) =>
        sha256.Length == 64 && sha256.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    public string PathFor(string sha256)
    {
        if (!IsValidDigest(sha256))
        {
            throw new ArgumentException($"'{sha256}' is not a lower-case hex SHA-256 digest", nameof(sha256));
        }

        return Path.Combine(_root, "sha256", sha256[..2], sha256);
    }

    public long? SizeOf(string sha256)
    {
        var info = new FileInfo(PathFor(sha256));
        return info.Exists ? info.Length : null;
    }

    /// <summary>Every stored artifact: its digest, size and when it was stored.</summary>
    public IEnumerable<(string Sha256, long Size, DateTimeOffset StoredAt)> List()
    {
        var dir = new DirectoryInfo(Path.Combine(_root, "sha256"));
        if (!dir.Exists)
        {
            yield break;
        }

        foreach (var file in dir.EnumerateFiles("*", SearchOption.AllDirectories))
        {
            if (IsValidDigest(file.Name))
            {
                yield return (file.Name, file.Length, file.LastWriteTimeUtc);
            }
        }
    }

    /// <summary>Partial uploads (<c>artifacts/tmp/*.part</c>) and when each was last written to.</summary>
    public IEnumerable<(string Path, long Size, DateTimeOffset WrittenAt)> ListPartialUploads() =>
        new DirectoryInfo(Path.Combine(_root, "tmp")).EnumerateFiles("*.part").Select(f => (f.FullName, f.Length, new DateTimeOffset(f.LastWriteTimeUtc)));

    /// <summary>Bytes free on the volume that holds the store.</summary>
    public long FreeBytes() => new DriveInfo(_root).AvailableFreeSpace;

    /// <summary>Removes a stored artifact; a download already reading it keeps its open file.</summary>
    public void Delete(string sha256) => File.Delete(PathFor(sha256));

    /// <summary>Starts an upload into a temp file; its digest comes after the data (see <see cref="PendingUpload.CommitAsync(string, CancellationToken)"/>).</summary>
    public PendingUpload BeginUpload(long expectedSize) => new(this, expectedSize);

    public sealed class PendingUpload : IAsyncDisposable
    {
        private readonly FileStream _file;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly ArtifactStore _store;
        private readonly string _temp;
        private readonly long _expectedSize;
        private bool _committed;

        internal PendingUpload(ArtifactStore store, long expectedSize)
        {
            _store = store;
            _temp = Path.Combine(store._root, "tmp", $"upload.{Guid.NewGuid():N}.part");
            _expectedSize = expectedSize;
            // Readable while written: targets follow a build's upload as it arrives (LiveUploadReader). Unbuffered, so
            // every chunk is in the file system once Write returns, and synchronous (see Write).
            _file = new FileStream(_temp, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 0);
        }

        /// <summary>Bytes written so far, flushed to the file system (readers of <see cref="TempPath"/> see them).</summary>
        public long Written { get; private set; }

        /// <summary>The file the bytes go to until the upload is committed.</summary>
        public string TempPath => _temp;

        /// <summary>
        /// Hashes and writes one chunk on the calling thread. .NET's asynchronous file writes on Linux are the same
        /// blocking write(2) run on another thread-pool thread; that hop per 64 KiB chunk (and one for its flush)
        /// doubled the CPU time of writing the file.
        /// </summary>
        public void Write(ReadOnlySpan<byte> data)
        {
            if (Written + data.Length > _expectedSize)
            {
                throw new InvalidDataException($"upload is larger than the declared {_expectedSize} bytes");
            }

            _hash.AppendData(data);
            _file.Write(data);
            Written += data.Length;
        }

        /// <summary>Checks size and digest against <paramref name="expectedSha256"/>, then moves the file into the store.</summary>
        public async Task CommitAsync(string expectedSha256, CancellationToken ct)
        {
            if (Written != _expectedSize)
            {
                throw new InvalidDataException($"upload ended after {Written} of {_expectedSize} bytes");
            }

            var actual = Convert.ToHexStringLower(_hash.GetHashAndReset());
            if (actual != expectedSha256)
            {
                throw new InvalidDataException($"upload's SHA-256 is {actual}, not the declared {expectedSha256}");
            }

            await _file.DisposeAsync().ConfigureAwait(false);
            var target = _store.PathFor(actual);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(_temp, target, overwrite: true);
            _committed = true;
        }

        public async ValueTask DisposeAsync()
        {
            await _file.DisposeAsync().ConfigureAwait(false);
            _hash.Dispose();
            if (!_committed)
            {
                File.Delete(_temp);
            }
        }
    }
}
