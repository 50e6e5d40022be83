using System.Formats.Tar;
using System.IO.Compression;

namespace Akd.Core.Tests.Archives;

/// <summary>Hand-built archives, including hostile ones no honest tool would write.</summary>
internal static class TestArchives
{
    public const int TimeoutMs = 30_000;

    public static MemoryStream Build(params TarEntry[] entries)
    {
        var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var writer = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                writer.WriteEntry(entry);
            }
        }

        buffer.Position = 0;
        return buffer;
    }

    public static PaxTarEntry File(string name, string content = "x")
    {
        return new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)),
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
    }

    public static PaxTarEntry Directory(string name) =>
        new(TarEntryType.Directory, name) { Mode = (UnixFileMode)0x1ED /* 0755 */ };

    public static PaxTarEntry Symlink(string name, string target) =>
        new(TarEntryType.SymbolicLink, name) { LinkName = target };

    public static PaxTarEntry HardLink(string name, string target) =>
        new(TarEntryType.HardLink, name) { LinkName = target };

    /// <summary>Every path under <paramref name="root"/>, relative and sorted; links are listed, not followed.</summary>
    public static List<string> ListTree(string root)
    {
        var paths = new List<string>();
        Collect(new DirectoryInfo(root), "", paths);
        return paths.Order(StringComparer.Ordinal).ToList();
    }

    private static void Collect(DirectoryInfo directory, string prefix, List<string> into)
    {
        foreach (var entry in directory.EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }))
        {
            var name = prefix + entry.Name;
            into.Add(name);
            if (entry is DirectoryInfo child && entry.LinkTarget is null)
            {
                Collect(child, name + "/", into);
            }
        }
    }
}
