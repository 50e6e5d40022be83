namespace Akd.Core.Archives;

/// <summary>
/// An archive entry would land, link or write outside the extraction directory, or has a type
/// (device, FIFO) that a release must never contain.
/// </summary>
public sealed class UnsafeArchiveException : Exception
{
    public UnsafeArchiveException(string entryName, string message)
        : base(message)
    {
        EntryName = entryName;
    }

    /// <summary>The entry name exactly as it appears in the archive.</summary>
    public string EntryName { get; }

    internal static UnsafeArchiveException Escapes(string entryName, string how) =>
        new(entryName, $"archive entry '{entryName}' escapes the target directory ({how})");
}
