namespace Akd.Core.Tests;

/// <summary>The repository checkout the tests run from (where Akd.sln is).</summary>
internal static class RepoRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Akd.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Akd.sln not found above " + AppContext.BaseDirectory);
    }
}
