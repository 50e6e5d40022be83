namespace Akd.IntegrationTests.Fleet;

/// <summary>Where the repository and the built programs are, seen from the test assembly.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the programs were built with the same configuration as the tests.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string Program(string project, string assembly) =>
        Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", assembly + ".dll");

    public static string Coordinator => Program("Akd.Coordinator", "akd-coordinator");

    public static string Agent => Program("Akd.Agent", "akd-agent");

    public static string Cli => Program("Akd.Cli", "akdctl");

    public static string HelloExample => Path.Combine(Root, "examples", "hello");

    /// <summary>The hot-upgrade example: 0.1.0, with versions/0.2.0 (and a crashing 0.2.0) to copy over it.</summary>
    public static string CounterExample => Path.Combine(Root, "examples", "counter");

    public static string Fixture(string name) => Path.Combine(Root, "tests", "Akd.IntegrationTests", "Fixtures", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Akd.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Akd.sln not found above " + AppContext.BaseDirectory);
    }
}
