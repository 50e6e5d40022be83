namespace Akd.Core.Archives;

/// <summary>
/// The real (symlink-free) path of an extraction directory and the checks that keep every entry
/// inside it. Entry names are normalised lexically, then their parent directory is resolved the
/// way the kernel would, so links planted by earlier entries cannot redirect later writes.
/// </summary>
internal sealed class ExtractionRoot
{
    // Linux gives up after 40 links (ELOOP); a loop planted by an archive ends the same way.
    private const int MaxLinkHops = 40;

    public ExtractionRoot(string destination)
    {
        var full = Path.GetFullPath(destination);
        Directory.CreateDirectory(full);
        RealPath = Resolve(full) ?? throw new IOException($"'{destination}' has a symbolic link loop");
    }

    public string RealPath { get; }

    public bool Contains(string realPath) =>
        realPath == RealPath
        || realPath.StartsWith(RealPath == "/" ? "/" : RealPath + "/", StringComparison.Ordinal);

    /// <summary>Splits a name relative to the root into plain segments, refusing ones that climb out.</summary>
    public static List<string> Segments(string entryName, string name)
    {
        if (name.Contains('\0'))
        {
            throw UnsafeArchiveException.Escapes(entryName, "NUL in path");
        }

        if (name.StartsWith('/'))
        {
            throw UnsafeArchiveException.Escapes(entryName, "absolute path");
        }

        var segments = new List<string>();
        foreach (var segment in name.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count == 0)
                {
                    throw UnsafeArchiveException.Escapes(entryName, "'..' above the root");
                }

                segments.RemoveAt(segments.Count - 1);
                continue;
            }

            segments.Add(segment);
        }

        return segments;
    }

    /// <summary>Resolves the lexical path <c>root/segments</c> through links and requires it inside.</summary>
    public string ResolveInside(string entryName, IEnumerable<string> segments, string what)
    {
        var real = Resolve(RealPath, segments);
        if (real is null || !Contains(real))
        {
            throw UnsafeArchiveException.Escapes(entryName, what);
        }

        return real;
    }

    /// <summary>
    /// realpath(3) that tolerates missing components (they are taken lexically, as extraction will
    /// create them as real directories). Returns null on a link loop.
    /// </summary>
    public static string? Resolve(string absolutePath) => Resolve("/", absolutePath.Split('/'));

    /// <summary>Resolves <paramref name="relative"/> below <paramref name="realBase"/>, a path with no links in it.</summary>
    private static string? Resolve(string realBase, IEnumerable<string> relative)
    {
        var pending = new Stack<string>(relative.Reverse());
        var resolved = realBase;
        var hops = 0;
        while (pending.Count > 0)
        {
            var segment = pending.Pop();
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                resolved = Path.GetDirectoryName(resolved) ?? "/";
                continue;
            }

            var next = Path.Join(resolved, segment);
            var target = LinkTargetOrNull(next);
            if (target is null)
            {
                resolved = next;
                continue;
            }

            if (++hops > MaxLinkHops)
            {
                return null;
            }

            foreach (var part in target.Split('/').Reverse())
            {
                pending.Push(part);
            }

            if (target.StartsWith('/'))
            {
                resolved = "/";
            }
        }

        return resolved;
    }

    private static string? LinkTargetOrNull(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            // A parent that is a regular file: nothing here is a link, and creating it will fail.
            return null;
        }
    }
}
