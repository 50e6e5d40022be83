namespace Akd.Installers.Tests;

/// <summary>
/// A fact that is skipped, with the reason, when a program it drives is not installed here (or it
/// needs root and does not have it). scripts/setup.sh installs them, so CI runs these tests.
/// </summary>
public sealed class RequiresToolFactAttribute : FactAttribute
{
    public RequiresToolFactAttribute(string tool, string package, bool root = false)
    {
        Skip = Requirements.Missing(tool, package, root);
    }
}

/// <summary>A theory skipped, with the reason, when a program it drives is not installed here.</summary>
public sealed class RequiresToolTheoryAttribute : TheoryAttribute
{
    public RequiresToolTheoryAttribute(string tool, string package, bool root = false)
    {
        Skip = Requirements.Missing(tool, package, root);
    }
}

internal static class Requirements
{
    public static string? Missing(string tool, string package, bool root)
    {
        if (Tool.Find(tool) is null)
        {
            return $"{tool} is not installed here (apt-get install {package}; scripts/setup.sh does)";
        }

        return root && !IsRoot()
            ? "needs root (dpkg --root and useradd --prefix set file owners); CI runs as root"
            : null;
    }

    private static bool IsRoot() =>
        File.ReadLines("/proc/self/status")
            .Where(line => line.StartsWith("Uid:", StringComparison.Ordinal))
            .Select(line => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[2])
            .FirstOrDefault() == "0";
}
