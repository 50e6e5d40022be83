using System.Formats.Tar;
using System.Runtime.Versioning;

namespace Akd.Core.Archives;

/// <summary>Writes one checked tar entry at a time under an <see cref="ExtractionRoot"/>.</summary>
[UnsupportedOSPlatform("windows")]
internal sealed class EntryWriter(ExtractionRoot root, ExtractionLimits limits)
{
    private const int CopyBufferSize = 1 << 20;

    // rwx for user, group and other; set-id and sticky bits from an archive are never honoured.
    private const UnixFileMode PermissionBits = (UnixFileMode)0x1FF;

    private readonly List<(string Path, UnixFileMode Mode, DateTimeOffset ModifiedAt)> _directories = [];
    private readonly List<(string EntryName, string Path)> _links = [];
    private long _bytes;
    private int _entries;

    public async Task WriteAsync(TarEntry entry, CancellationToken ct)
    {
        var name = entry.Name;
        if (++_entries > limits.MaxEntries)
        {
            throw new UnsafeArchiveException(name, $"the archive holds more than {limits.MaxEntries} entries");
        }

        var segments = ExtractionRoot.Segments(name, name);
        if (segments.Count == 0)
        {
            if (entry.EntryType is TarEntryType.Directory or TarEntryType.GlobalExtendedAttributes)
            {
                return; // "./": the destination itself
            }

            throw UnsafeArchiveException.Escapes(name, "names the target directory itself");
        }

        // Resolving the parent through any links already extracted is what stops `a -> .`, `lib -> /etc`
        // style entries from redirecting this write.
        var parent = root.ResolveInside(name, segments[..^1], "its parent directory resolves outside");
        var path = Path.Join(parent, segments[^1]);
        switch (entry.EntryType)
        {
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                Directory.CreateDirectory(parent);
                ClearForNonDirectory(name, path);
                await WriteFileAsync(entry, path, ct).ConfigureAwait(false);
                break;
            case TarEntryType.Directory:
                WriteDirectory(entry, path);
                break;
            case TarEntryType.SymbolicLink:
                Directory.CreateDirectory(parent);
                WriteSymlink(entry, parent, path);
                break;
            case TarEntryType.HardLink:
                Directory.CreateDirectory(parent);
                WriteHardLink(entry, path);
                break;
            case TarEntryType.GlobalExtendedAttributes:
                break;
            case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                throw new UnsafeArchiveException(name, $"archive entry '{name}' is a device or FIFO");
            default:
                throw new UnsafeArchiveException(name, $"archive entry '{name}' has unsupported type {entry.EntryType}");
        }
    }

    /// <summary>
    /// Re-checks every link against the finished tree (a link that was harmless when written can be
    /// redirected by a later one, e.g. <c>x -> d/..</c> followed by <c>d -> .</c>), then applies
    /// directory modes and mtimes deepest first, after their contents are written.
    /// </summary>
    public void Finish()
    {
        foreach (var (entryName, path) in _links)
        {
            var real = ExtractionRoot.Resolve(path);
            if (real is null || !root.Contains(real))
            {
                throw UnsafeArchiveException.Escapes(entryName, "symbolic link points outside once all entries are written");
            }
        }

        foreach (var (path, mode, modifiedAt) in _directories.OrderByDescending(d => d.Path.Length))
        {
            if (UnixStat.TryLstat(path, out var status) && status.Type == UnixFileType.Directory)
            {
                File.SetUnixFileMode(path, mode);
                Directory.SetLastWriteTimeUtc(path, modifiedAt.UtcDateTime);
            }
        }
    }

    private async Task WriteFileAsync(TarEntry entry, string path, CancellationToken ct)
    {
        Reserve(entry.Name, entry.Length);
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew, // never follows a link left at this name
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            PreallocationSize = entry.Length,
            BufferSize = 0,
        };
        var file = new FileStream(path, options);
        await using (file.ConfigureAwait(false))
        {
            if (entry.DataStream is { } data)
            {
                try
                {
                    await data.CopyToAsync(file, CopyBufferSize, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
                {
                    throw new InvalidDataException($"corrupt tar.gz archive at entry '{entry.Name}': {e.Message}", e);
                }
            }
        }

        SetModeAndTime(path, entry);
    }

    private void WriteDirectory(TarEntry entry, string path)
    {
        if (UnixStat.TryLstat(path, out var existing) && existing.Type != UnixFileType.Directory)
        {
            File.Delete(path); // a link or file of the same name: replace it, never write through it
        }

        Directory.CreateDirectory(path);
        _directories.Add((path, entry.Mode & PermissionBits, entry.ModificationTime));
    }

    private void WriteSymlink(TarEntry entry, string parent, string path)
    {
        var name = entry.Name;
        var target = entry.LinkName;
        if (string.IsNullOrEmpty(target) || target.Contains('\0'))
        {
            throw new UnsafeArchiveException(name, $"archive entry '{name}' is a symbolic link with an empty target");
        }

        var resolved = ExtractionRoot.Resolve(target.StartsWith('/') ? target : parent + "/" + target);
        if (resolved is null || !root.Contains(resolved))
        {
            throw UnsafeArchiveException.Escapes(name, $"symbolic link to '{target}'");
        }

        ClearForNonDirectory(name, path);
        File.CreateSymbolicLink(path, target);
        _links.Add((name, path));
    }

    // Copied, not linked: .NET has no link(2), and a copy cannot alias a file outside the tree.
    private void WriteHardLink(TarEntry entry, string path)
    {
        var name = entry.Name;
        var targetSegments = ExtractionRoot.Segments(name, entry.LinkName);
        var source = root.ResolveInside(name, targetSegments, $"hard link to '{entry.LinkName}'");
        if (!UnixStat.TryLstat(source, out var status) || status.Type != UnixFileType.Regular)
        {
            throw new UnsafeArchiveException(name, $"archive entry '{name}' is a hard link to '{entry.LinkName}', which is not a file extracted earlier");
        }

        if (source == path)
        {
            return;
        }

        ClearForNonDirectory(name, path);
        Reserve(name, new FileInfo(source).Length);
        File.Copy(source, path);
        SetModeAndTime(path, entry);
    }

    /// <summary>Counts an entry's declared size against the budget before anything of it is written.</summary>
    private void Reserve(string entryName, long length)
    {
        _bytes += length;
        if (length < 0 || _bytes > limits.MaxBytes)
        {
            throw new UnsafeArchiveException(entryName, $"the archive unpacks to more than {limits.MaxBytes} bytes (at entry '{entryName}'); refused as a decompression bomb");
        }
    }

    private static void ClearForNonDirectory(string entryName, string path)
    {
        if (!UnixStat.TryLstat(path, out var existing))
        {
            return;
        }

        if (existing.Type == UnixFileType.Directory)
        {
            throw new IOException($"archive entry '{entryName}' would replace a directory");
        }

        File.Delete(path); // unlinks a link itself, so the new entry is never written through it
    }

    private static void SetModeAndTime(string path, TarEntry entry)
    {
        File.SetUnixFileMode(path, entry.Mode & PermissionBits);
        File.SetLastWriteTimeUtc(path, entry.ModificationTime.UtcDateTime);
    }
}
