using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Artifacts;

/// <summary>
/// Content-addressed artifact files: <c>artifacts/sha256/ab/abcdef...</c> under the data dir.
/// An upload is written to a temp file, hashed while it streams, and moved into place only
/// when its digest and size match what the uploader declared.
/// </summary>
public sealed class ArtifactStore
{
    private readonly string _root;

    public ArtifactStore(IOptions<CoordinatorOptions> options)
    {
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

    /// <summary>Starts a new upload into a temp file.</summary>
    public PendingUpload BeginUpload(string expectedSha256, long expectedSize)
    {
        var target = PathFor(expectedSha256);
        var temp = Path.Combine(_root, "tmp", $"{expectedSha256}.{Guid.NewGuid():N}.part");
        return new PendingUpload(temp, target, expectedSha256, expectedSize);
    }

    public sealed class PendingUpload : IAsyncDisposable
    {
        private readonly FileStream _file;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly string _temp;
        private readonly string _target;
        private readonly string _expectedSha256;
        private readonly long _expectedSize;
        private bool _committed;

        internal PendingUpload(string temp, string target, string expectedSha256, long expectedSize)
        {
            _temp = temp;
            _target = target;
            _expectedSha256 = expectedSha256;
            _expectedSize = expectedSize;
            _file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        }

        public long Written { get; private set; }

        public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
        {
            if (Written + data.Length > _expectedSize)
            {
                throw new InvalidDataException($"upload is larger than the declared {_expectedSize} bytes");
            }

            _hash.AppendData(data.Span);
            await _file.WriteAsync(data, ct).ConfigureAwait(false);
            Written += data.Length;
        }

        /// <summary>Checks size and digest, then moves the file into the store.</summary>
        public async Task CommitAsync(CancellationToken ct)
        {
            if (Written != _expectedSize)
            {
                throw new InvalidDataException($"upload ended after {Written} of {_expectedSize} bytes");
            }

            var actual = Convert.ToHexStringLower(_hash.GetHashAndReset());
            if (actual != _expectedSha256)
            {
                throw new InvalidDataException($"upload's SHA-256 is {actual}, not the declared {_expectedSha256}");
            }

            await _file.FlushAsync(ct).ConfigureAwait(false);
            await _file.DisposeAsync().ConfigureAwait(false);
            Directory.CreateDirectory(Path.GetDirectoryName(_target)!);
            File.Move(_temp, _target, overwrite: true);
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
