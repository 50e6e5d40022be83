using System.Runtime.Versioning;

namespace Akd.Core.Tests.Archives;

/// <summary>A scratch directory removed after the test, even when it holds read-only directories.</summary>
[SupportedOSPlatform("linux")]
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("akd-test-").FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Join([Path, .. parts]);

    public string WriteFile(string relative, string content, UnixFileMode? mode = null)
    {
        var path = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        if (mode is { } m)
        {
            File.SetUnixFileMode(path, m);
        }

        return path;
    }

    public void Dispose()
    {
        MakeWritable(Path);
        Directory.Delete(Path, recursive: true);
    }

    private static void MakeWritable(string directory)
    {
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var child in new DirectoryInfo(directory).EnumerateDirectories())
        {
            if (child.LinkTarget is null)
            {
                MakeWritable(child.FullName);
            }
        }
    }
}
