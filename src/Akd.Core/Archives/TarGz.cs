using System.Formats.Tar;
using System.IO.Compression;
using System.Runtime.Versioning;

namespace Akd.Core.Archives;

/// <summary>
/// Writes gzip-compressed tar archives of release and source trees. Entries are sorted so the
/// same tree gives the same entry order; modes, mtimes and symlinks are kept because Erlang
/// release scripts need their executable bits and releases may contain relative links.
/// </summary>
public static class TarGz
{
    private const int CopyBufferSize = 1 << 20;

    /// <summary>Archives every file, directory and symlink under <paramref name="directory"/>.</summary>
    /// <remarks>Symlinks are stored as links, never followed. FIFOs, sockets and devices are skipped.
    /// <paramref name="output"/> is left open.</remarks>
    public static Task CreateFromDirectoryAsync(string directory, Stream output, CancellationToken ct) =>
        CreateFromDirectoryAsync(directory, static _ => true, output, ct);

    /// <summary>
    /// Archives what is under <paramref name="directory"/> for which <paramref name="include"/> holds; it gets
    /// '/'-separated relative names, and an excluded directory is skipped with everything in it.
    /// </summary>
    public static async Task CreateFromDirectoryAsync(string directory, Func<string, bool> include, Stream output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(include);
        ArgumentNullException.ThrowIfNull(output);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("archives keep Unix modes and links; Windows is not supported");
        }

        var root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"directory '{directory}' does not exist");
        }

        var paths = new List<string>();
        Walk(root, "", include, paths);
        await WriteAsync(root, paths.Order(StringComparer.Ordinal), output, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Archives only <paramref name="relativePaths"/> (relative to <paramref name="root"/>, '/'
    /// separated), plus an entry for each parent directory so that extraction restores their modes.
    /// </summary>
    public static async Task CreateFromFilesAsync(
        string root, IEnumerable<string> relativePaths, Stream output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(relativePaths);
        ArgumentNullException.ThrowIfNull(output);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("archives keep Unix modes and links; Windows is not supported");
        }

        var fullRoot = Path.GetFullPath(root);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in relativePaths)
        {
            var name = NormalizeRelative(path);
            names.Add(name);
            for (var slash = name.LastIndexOf('/'); slash > 0; slash = name.LastIndexOf('/', slash - 1))
            {
                names.Add(name[..slash]);
            }
        }

        await WriteAsync(fullRoot, names, output, ct).ConfigureAwait(false);
    }

    [UnsupportedOSPlatform("windows")]
    private static void Walk(string root, string prefix, Func<string, bool> include, List<string> into)
    {
        var options = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false };
        foreach (var child in Directory.EnumerateFileSystemEntries(Path.Join(root, prefix), "*", options))
        {
            var name = prefix.Length == 0 ? Path.GetFileName(child) : prefix + "/" + Path.GetFileName(child);
            if (!include(name))
            {
                continue;
            }

            into.Add(name);
            if (UnixStat.Lstat(child).Type == UnixFileType.Directory)
            {
                Walk(root, name, include, into);
            }
        }
    }

    // Sorted ordinal names put every directory before its contents ("a" < "a/b").
    [UnsupportedOSPlatform("windows")]
    private static async Task WriteAsync(string root, IEnumerable<string> sortedNames, Stream output, CancellationToken ct)
    {
        var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true);
        await using (gzip.ConfigureAwait(false))
        {
            var writer = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
            await using (writer.ConfigureAwait(false))
            {
                foreach (var name in sortedNames)
                {
                    ct.ThrowIfCancellationRequested();
                    await WriteEntryAsync(writer, Path.Join(root, name), name, ct).ConfigureAwait(false);
                }
            }
        }
    }

    [UnsupportedOSPlatform("windows")]
    private static async Task WriteEntryAsync(TarWriter writer, string path, string name, CancellationToken ct)
    {
        var status = UnixStat.Lstat(path);
        switch (status.Type)
        {
            case UnixFileType.Directory:
                await writer.WriteEntryAsync(NewEntry(TarEntryType.Directory, name + "/", status), ct).ConfigureAwait(false);
                break;
            case UnixFileType.Symlink:
                var link = NewEntry(TarEntryType.SymbolicLink, name, status);
                link.LinkName = new FileInfo(path).LinkTarget!;
                await writer.WriteEntryAsync(link, ct).ConfigureAwait(false);
                break;
            case UnixFileType.Regular:
                var file = NewEntry(TarEntryType.RegularFile, name, status);
                var data = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, CopyBufferSize,
                    FileOptions.Asynchronous | FileOptions.SequentialScan);
                await using (data.ConfigureAwait(false))
                {
                    file.DataStream = data;
                    await writer.WriteEntryAsync(file, ct).ConfigureAwait(false);
                }

                break;
            default:
                break;
        }
    }

    [UnsupportedOSPlatform("windows")]
    private static PaxTarEntry NewEntry(TarEntryType type, string name, UnixFileStatus status) =>
        new(type, name)
        {
            Mode = status.Mode,
            ModificationTime = status.ModifiedAt,
        };

    private static string NormalizeRelative(string path)
    {
        var name = path.TrimEnd('/');
        if (name.Length == 0 || Path.IsPathRooted(name)
            || name.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            throw new ArgumentException($"'{path}' is not a plain relative path", "relativePaths");
        }

        return name;
    }
}
