namespace Akd.Contracts.Trust;

/// <summary>Keys and tokens on disk: written whole (temporary file + rename) and readable by the owner only (0600).</summary>
public static class SecretFile
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void Write(string path, string content) => Write(path, content, OwnerOnly);

    /// <summary>Writes a file that is not secret (a certificate) the same atomic way, readable by everyone.</summary>
    public static void WritePublic(string path, string content) =>
        Write(path, content, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

    private static void Write(string path, string content, UnixFileMode mode)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        using (var stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode,
        }))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }

        File.Move(temp, path, overwrite: true);
    }
}
