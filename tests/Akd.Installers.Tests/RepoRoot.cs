namespace Akd.Installers.Tests;

/// <summary>Finds the checkout the tests run from, so they read the files that ship.</summary>
internal static class RepoRoot
{
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Akd.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No directory containing Akd.sln above {AppContext.BaseDirectory}.");
    }

    public static string SystemdUnit(string unitName) =>
        Path.Combine(Find(), "installers", "systemd", unitName);
}
