namespace Akd.Testing;

/// <summary>Private copies of a Mix project (examples/hello, a fixture) that a test or the bench may edit.</summary>
public static class MixProjectCopy
{
    /// <summary>Copies <paramref name="from"/> into <paramref name="to"/>, over what is there, without build output (<c>_build</c>, <c>deps</c>).</summary>
    public static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            if (entry.Name is "_build" or "deps")
            {
                continue;
            }

            var target = Path.Combine(to, entry.Name);
            if (entry is DirectoryInfo)
            {
                Copy(entry.FullName, target);
            }
            else
            {
                File.Copy(entry.FullName, target, overwrite: true);
            }
        }
    }
}
