using Akd.Testing;

namespace Akd.Installers.Tests;

/// <summary>The files under installers/ that ship, as the tests read them.</summary>
internal static class InstallerFiles
{
    public static string SystemdUnit(string unitName) => Path.Combine(RepoRoot.Path, "installers", "systemd", unitName);
}
